// SCRAM (RFC 5802, RFC 7677) as Kafka uses it for SASL/SCRAM-SHA-256 and SCRAM-SHA-512: the credential a broker
// stores (salt, StoredKey, ServerKey, iterations; never the password), and the arithmetic both ends of the exchange
// share. Kafka's rules: mechanisms are numbered 1 (SHA-256) and 2 (SHA-512) on the wire, and a credential takes
// 4096 to 16384 iterations.
import {createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual} from 'node:crypto'

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

interface MechanismFacts {
  /** Kafka's ScramMechanism type byte (AlterUserScramCredentials, DescribeUserScramCredentials). */
  type: number
  hash: 'sha256' | 'sha512'
  keyLength: number
}

export const SCRAM_MECHANISMS: ReadonlyMap<ScramMechanism, MechanismFacts> = new Map([
  ['SCRAM-SHA-256', {type: 1, hash: 'sha256', keyLength: 32}],
  ['SCRAM-SHA-512', {type: 2, hash: 'sha512', keyLength: 64}],
] as const)

/** Kafka's bounds on a credential's iterations (ScramMechanism.minIterations, ScramFormatter's maximum). */
export const SCRAM_MIN_ITERATIONS = 4096
export const SCRAM_MAX_ITERATIONS = 16384
/** What kafka-configs.sh uses when `iterations=` is not given. */
export const SCRAM_DEFAULT_ITERATIONS = 4096

export function isScramMechanism(name: string): name is ScramMechanism {
  return SCRAM_MECHANISMS.has(name as ScramMechanism)
}

export function scramMechanismByType(type: number): ScramMechanism | undefined {
  for (const [name, facts] of SCRAM_MECHANISMS) if (facts.type === type) return name
  return undefined
}

/** What a broker keeps of a password. */
export interface ScramCredential {
  salt: Buffer
  storedKey: Buffer
  serverKey: Buffer
  iterations: number
}

const facts = (mechanism: ScramMechanism) => SCRAM_MECHANISMS.get(mechanism)!

export function hmac(mechanism: ScramMechanism, key: Buffer, text: string | Buffer): Buffer {
  return createHmac(facts(mechanism).hash, key).update(text).digest()
}

export function digest(mechanism: ScramMechanism, data: Buffer): Buffer {
  return createHash(facts(mechanism).hash).update(data).digest()
}

/** Hi(password, salt, iterations): PBKDF2 with the mechanism's HMAC. */
export function saltedPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  const f = facts(mechanism)
  return pbkdf2Sync(password, salt, iterations, f.keyLength, f.hash)
}

/** A fresh random salt, as Kafka's ScramFormatter draws one. */
export function randomSalt(): Buffer {
  return randomBytes(32)
}

/** The stored credential for a salted password (what AlterUserScramCredentials carries). */
export function credentialFromSalted(
  mechanism: ScramMechanism,
  salted: Buffer,
  salt: Buffer,
  iterations: number,
): ScramCredential {
  return {
    salt,
    storedKey: digest(mechanism, hmac(mechanism, salted, 'Client Key')),
    serverKey: hmac(mechanism, salted, 'Server Key'),
    iterations,
  }
}

/** XOR of two buffers of the same length. */
export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length)
  for (let i = 0; i < out.length; i++) out[i] = a[i]! ^ b[i]!
  return out
}

/** Whether two buffers are equal, in time that does not depend on where they differ. */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

/** A SCRAM user name as the exchange writes it: `=` and `,` escaped (RFC 5802 saslname). */
export function escapeScramName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C')
}

/** The inverse of escapeScramName; undefined for a malformed escape. */
export function unescapeScramName(name: string): string | undefined {
  if (/=(?!2C|3D)/.test(name)) return undefined
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=')
}

/** A SCRAM message's attributes (`r=...,s=...,i=...`): the first letter of each, with the rest of it. */
export function scramAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of message.split(',')) if (part.length >= 2 && part[1] === '=') out.set(part[0]!, part.slice(2))
  return out
}
