// The SASL exchange of one connection on a SASL listener, as Kafka's SaslServerAuthenticator runs it: SaslHandshake
// picks an enabled mechanism, then SaslAuthenticate carries the mechanism's messages until the client is
// authenticated. PLAIN (RFC 4616): one message, `authzid \0 user \0 password`, checked against the listener's users.
import {timingSafeEqual} from 'node:crypto'
import type {SaslServerSettings} from '../../bootstrap.js'

export class SaslSession {
  readonly settings: SaslServerSettings
  mechanism: string | null = null
  authenticated = false
  /** The authenticated user (Kafka's principal User:<name>). */
  user: string | null = null

  constructor(settings: SaslServerSettings) {
    this.settings = settings
  }

  /** SaslHandshake: true when `mechanism` is enabled (it is then the one the exchange uses). */
  handshake(mechanism: string): boolean {
    if (!this.settings.mechanisms.includes(mechanism)) return false
    this.mechanism = mechanism
    return true
  }

  /** One SaslAuthenticate message; returns the server's bytes, or throws the reason it refuses. */
  authenticate(bytes: Buffer): Buffer {
    if (this.mechanism !== 'PLAIN') throw new Error('SaslAuthenticate before SaslHandshake')
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
    this.user = user
    this.authenticated = true
    return Buffer.alloc(0)
  }
}

/** Compares two secrets in time that does not depend on where they differ. */
function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8')
  const y = Buffer.from(b, 'utf8')
  return x.length === y.length && timingSafeEqual(x, y)
}
