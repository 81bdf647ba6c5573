// The SASL exchange of one connection on a SASL listener, as Kafka's SaslServerAuthenticator runs it: SaslHandshake
// picks an enabled mechanism, then SaslAuthenticate carries the mechanism's messages until the client is
// authenticated.
// - PLAIN (RFC 4616): one message, `authzid \0 user \0 password`, checked against the listener's users.
// - SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, as Kafka's ScramSaslServer): client-first, answered with the
//   user's salt and iterations; client-final, whose proof is checked against the stored key and answered with the
//   server's signature. Users are the broker's SCRAM credentials (`kafkalite configs --entity-type users`).
import {randomBytes, timingSafeEqual} from 'node:crypto'
import type {SaslServerSettings} from '../../bootstrap.js'
import {
  digest,
  hmac,
  isScramMechanism,
  sameBytes,
  scramAttributes,
  unescapeScramName,
  xor,
  type ScramCredential,
  type ScramMechanism,
} from '../../scram.js'

/** Finds a user's SCRAM credential for a mechanism. */
export type ScramLookup = (user: string, mechanism: ScramMechanism) => ScramCredential | undefined

/** A SCRAM exchange between its two client messages. */
interface ScramState {
  mechanism: ScramMechanism
  user: string
  credential: ScramCredential
  clientFirstBare: string
  serverFirst: string
  nonce: string
}

export class SaslSession {
  readonly settings: SaslServerSettings
  readonly #scramLookup: ScramLookup
  mechanism: string | null = null
  authenticated = false
  /** The authenticated user (Kafka's principal User:<name>). */
  user: string | null = null
  #scram: ScramState | null = null

  constructor(settings: SaslServerSettings, scramLookup: ScramLookup) {
    this.settings = settings
    this.#scramLookup = scramLookup
  }

  /** SaslHandshake: true when `mechanism` is enabled (it is then the one the exchange uses). */
  handshake(mechanism: string): boolean {
    if (!this.settings.mechanisms.includes(mechanism)) return false
    this.mechanism = mechanism
    return true
  }

  /** One SaslAuthenticate message; returns the server's bytes, or throws the reason it refuses. */
  authenticate(bytes: Buffer): Buffer {
    if (this.mechanism === 'PLAIN') return this.#plain(bytes)
    if (this.mechanism !== null && isScramMechanism(this.mechanism)) {
      return this.#scram === null ? this.#scramFirst(this.mechanism, bytes) : this.#scramFinal(this.#scram, bytes)
    }
    throw new Error('SaslAuthenticate before SaslHandshake')
  }

  #plain(bytes: Buffer): Buffer {
    const parts = bytes.toString('utf8').split('\0')
    if (parts.length !== 3) throw new Error('Invalid SASL/PLAIN response: expected 3 tokens')
    const [authzid, user, password] = parts as [string, string, string]
    if (authzid !== '' && authzid !== user) {
      throw new Error('Authentication failed: Client requested an authorization id that is different from username')
    }
    const expected = this.settings.plainUsers.get(user)
    if (expected === undefined || !sameSecret(expected, password)) {
      throw new Error('Authentication failed: Invalid username or password')
    }
    this.#done(user)
    return Buffer.alloc(0)
  }

  /** client-first `n,[a=authzid],n=user,r=nonce[,ext=...]`: answered with `r=nonce+ours,s=salt,i=iterations`. */
  #scramFirst(mechanism: ScramMechanism, bytes: Buffer): Buffer {
    const text = bytes.toString('utf8')
    const header = /^[ny],(?:a=([^,]*))?,/.exec(text)
    if (header === null) throw new Error(`Invalid SCRAM client first message format: ${text}`)
    const clientFirstBare = text.slice(header[0].length)
    const attributes = scramAttributes(clientFirstBare)
    const user = unescapeScramName(attributes.get('n') ?? '')
    const clientNonce = attributes.get('r') ?? ''
    if (user === undefined || user === '' || clientNonce === '' || !clientFirstBare.startsWith('n=')) {
      throw new Error(`Invalid SCRAM client first message format: ${text}`)
    }
    const authzid = header[1] === undefined ? undefined : unescapeScramName(header[1])
    if (authzid !== undefined && authzid !== '' && authzid !== user) {
      throw new Error('Authentication failed: Client requested an authorization id that is different from username')
    }
    const credential = this.#scramLookup(user, mechanism)
    if (credential === undefined) throw invalidCredentials(mechanism)
    const nonce = clientNonce + randomBytes(24).toString('base64url')
    const serverFirst = `r=${nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`
    this.#scram = {mechanism, user, credential, clientFirstBare, serverFirst, nonce}
    return Buffer.from(serverFirst, 'utf8')
  }

  /** client-final `c=biws,r=nonce,p=proof`: the proof must come from the password; answered with `v=signature`. */
  #scramFinal(state: ScramState, bytes: Buffer): Buffer {
    const text = bytes.toString('utf8')
    const proofAt = text.lastIndexOf(',p=')
    if (proofAt < 0) throw new Error(`Invalid SCRAM client final message format: ${text}`)
    const withoutProof = text.slice(0, proofAt)
    const attributes = scramAttributes(withoutProof)
    if (attributes.get('r') !== state.nonce) throw new Error('Invalid client nonce in the final client message.')
    const proof = Buffer.from(text.slice(proofAt + 3), 'base64')
    const {mechanism, credential} = state
    const authMessage = `${state.clientFirstBare},${state.serverFirst},${withoutProof}`
    const signature = hmac(mechanism, credential.storedKey, authMessage)
    if (
      proof.length !== signature.length ||
      !sameBytes(digest(mechanism, xor(proof, signature)), credential.storedKey)
    ) {
      throw invalidCredentials(mechanism)
    }
    this.#done(state.user)
    this.#scram = null
    return Buffer.from(`v=${hmac(mechanism, credential.serverKey, authMessage).toString('base64')}`, 'utf8')
  }

  #done(user: string): void {
    this.user = user
    this.authenticated = true
  }
}

/** What Kafka's authenticator answers when a SCRAM client's credentials are unknown or wrong. */
function invalidCredentials(mechanism: ScramMechanism): Error {
  return new Error(
    `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`,
  )
}

/** Compares two secrets in time that does not depend on where they differ. */
function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8')
  const y = Buffer.from(b, 'utf8')
  return x.length === y.length && timingSafeEqual(x, y)
}
