// SASL/SCRAM users, with Kafka's rules (ScramControlManager for changes, ScramImage for descriptions): per user and
// mechanism a stored credential (salt, StoredKey, ServerKey, iterations), never the password. A request alters each
// user at most once (one mechanism); a user's result carries its error.
import type {ErrorData} from '../errors.js'
import type {ParsedRequests, Responses} from '../protocol/socket/messages.js'
import {
  credentialFromSalted,
  isScramMechanism,
  SCRAM_MAX_ITERATIONS,
  SCRAM_MECHANISMS,
  SCRAM_MIN_ITERATIONS,
  type ScramCredential,
  type ScramMechanism,
} from '../scram.js'
import type {ScramCredentialRow, Store} from '../store/store.js'

type Describe = ParsedRequests['describeUserScramCredentials']
type Alter = ParsedRequests['alterUserScramCredentials']

const error = (code: ErrorData['code'], message: string): ErrorData => ({code, message})

export class ScramUsers {
  readonly #store: Store
  /** user -> mechanism -> credential, as stored. */
  readonly #users = new Map<string, Map<ScramMechanism, ScramCredential>>()

  constructor(store: Store) {
    this.#store = store
    for (const row of store.listScramCredentials()) {
      if (isScramMechanism(row.mechanism)) this.#set(row.user, row.mechanism, row)
    }
  }

  /** The credential a SCRAM exchange checks a client against, if the user has one for this mechanism. */
  credential(user: string, mechanism: ScramMechanism): ScramCredential | undefined {
    return this.#users.get(user)?.get(mechanism)
  }

  describe(req: Describe): Responses['describeUserScramCredentials'] {
    // Mechanisms in Kafka's order (SCRAM-SHA-256, then SCRAM-SHA-512), whatever order they were set in.
    const info = (user: string) => {
      const credentials = this.#users.get(user)!
      return [...SCRAM_MECHANISMS.keys()]
        .filter((m) => credentials.has(m))
        .map((mechanism) => ({mechanism, iterations: credentials.get(mechanism)!.iterations}))
    }
    if (req.users === null || req.users.length === 0) {
      return {results: [...this.#users.keys()].sort().map((user) => ({user, credentials: info(user)}))}
    }
    const seen = new Map<string, number>()
    for (const user of req.users) seen.set(user, (seen.get(user) ?? 0) + 1)
    return {
      results: [...seen].map(([user, count]) => {
        if (count > 1) {
          return {
            user,
            credentials: [],
            error: error(
              'DUPLICATE_RESOURCE',
              `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`,
            ),
          }
        }
        if (!this.#users.has(user)) {
          return {
            user,
            credentials: [],
            error: error('RESOURCE_NOT_FOUND', `Attempt to describe a user credential that does not exist: ${user}`),
          }
        }
        return {user, credentials: info(user)}
      }),
    }
  }

  alter(req: Alter): Responses['alterUserScramCredentials'] {
    const errors = new Map<string, ErrorData | null>()
    const fail = (user: string, e: ErrorData) => {
      if (!errors.get(user)) errors.set(user, e)
    }
    // A user altered twice in one request (two mechanisms included): that user fails whole, as Kafka's controller
    // refuses it.
    for (const c of [...req.deletions, ...req.upsertions]) {
      if (errors.has(c.name)) {
        fail(c.name, error('DUPLICATE_RESOURCE', 'A user credential cannot be altered twice in the same request'))
      } else {
        errors.set(c.name, null)
      }
    }
    const deletes: {user: string; mechanism: ScramMechanism}[] = []
    const upserts: ScramCredentialRow[] = []
    for (const d of req.deletions) {
      const problem = checkName(d.name) ?? checkMechanism(d.mechanism)
      if (problem) fail(d.name, problem)
      else if (!this.#users.get(d.name)?.has(d.mechanism as ScramMechanism)) {
        fail(d.name, error('RESOURCE_NOT_FOUND', 'Attempt to delete a user credential that does not exist'))
      } else deletes.push({user: d.name, mechanism: d.mechanism as ScramMechanism})
    }
    for (const u of req.upsertions) {
      const problem = checkName(u.name) ?? checkMechanism(u.mechanism) ?? checkIterations(u.iterations)
      if (problem) {
        fail(u.name, problem)
        continue
      }
      const mechanism = u.mechanism as ScramMechanism
      const salt = Buffer.from(u.salt, 'base64')
      const salted = Buffer.from(u.saltedPassword, 'base64')
      if (salt.length === 0 || salted.length !== SCRAM_MECHANISMS.get(mechanism)!.keyLength) {
        fail(u.name, error('UNACCEPTABLE_CREDENTIAL', `Invalid salt or salted password for ${mechanism}`))
        continue
      }
      upserts.push({user: u.name, mechanism, ...credentialFromSalted(mechanism, salted, salt, u.iterations)})
    }
    const ok = (user: string) => !errors.get(user)
    const apply = {
      deletes: deletes.filter((d) => ok(d.user)),
      upserts: upserts.filter((u) => ok(u.user)),
    }
    if (apply.deletes.length + apply.upserts.length > 0) {
      this.#store.alterScramCredentials(apply.upserts, apply.deletes)
      for (const d of apply.deletes) {
        const forUser = this.#users.get(d.user)!
        forUser.delete(d.mechanism)
        if (forUser.size === 0) this.#users.delete(d.user)
      }
      for (const u of apply.upserts) this.#set(u.user, u.mechanism as ScramMechanism, u)
    }
    return {results: [...errors].map(([user, e]) => (e ? {user, error: e} : {user}))}
  }

  #set(user: string, mechanism: ScramMechanism, c: ScramCredential): void {
    let forUser = this.#users.get(user)
    if (forUser === undefined) this.#users.set(user, (forUser = new Map()))
    forUser.set(mechanism, {salt: c.salt, storedKey: c.storedKey, serverKey: c.serverKey, iterations: c.iterations})
  }
}

function checkName(name: string): ErrorData | undefined {
  return name === '' ? error('UNACCEPTABLE_CREDENTIAL', 'Username must not be empty') : undefined
}

function checkMechanism(mechanism: string): ErrorData | undefined {
  return isScramMechanism(mechanism) ? undefined : error('UNSUPPORTED_SASL_MECHANISM', 'Unknown SCRAM mechanism')
}

function checkIterations(iterations: number): ErrorData | undefined {
  if (iterations < SCRAM_MIN_ITERATIONS) return error('UNACCEPTABLE_CREDENTIAL', 'Too few iterations')
  if (iterations > SCRAM_MAX_ITERATIONS) return error('UNACCEPTABLE_CREDENTIAL', 'Too many iterations')
  return undefined
}
