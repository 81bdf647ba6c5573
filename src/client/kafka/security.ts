// Kafka's client security settings, read as Kafka reads them, and the SASL mechanisms a client speaks:
// - security.protocol PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL;
// - TLS from PEM files or inline PEM (ssl.truststore.type=PEM, ssl.keystore.type=PEM), with
//   ssl.endpoint.identification.algorithm (https, the default, checks the broker's host name; empty does not);
// - sasl.mechanism PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, with sasl.jaas.config in Kafka's JAAS syntax.
// A setting kafkalite cannot honour (a JKS store, GSSAPI) is refused in one line that says what to use instead.
import {randomBytes} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {KafkaException} from '../../errors.js'
import {parseJaasConfig} from '../../jaas.js'
import {digest, escapeScramName, hmac, saltedPassword, scramAttributes, xor, type ScramMechanism} from '../../scram.js'
import type {ConfigReader} from '../config.js'

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

export interface TlsSettings {
  /** Trusted CA certificates (PEM); undefined: Node's default CAs. */
  ca?: string
  /** The client's certificate chain and key (PEM), for brokers that ask for one (ssl.client.auth). */
  cert?: string
  key?: string
  passphrase?: string
  /** ssl.endpoint.identification.algorithm=https (the default): the broker's certificate must name its host. */
  checkHostname: boolean
}

export interface SaslSettings {
  mechanism: SaslMechanism
  username: string
  password: string
}

export interface SecuritySettings {
  protocol: SecurityProtocol
  tls?: TlsSettings
  sasl?: SaslSettings
}

const PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']
const MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']

const invalid = (name: string, value: string, why: string) =>
  new KafkaException('INVALID_CONFIG', `Invalid value ${value} for configuration ${name}: ${why}`)

function readPem(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw invalid(name, path, `cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
}

/** The security settings of a client config (PLAINTEXT without any). */
export function securitySettings(r: ConfigReader): SecuritySettings {
  const protocol = r.oneOf('security.protocol', 'PLAINTEXT', PROTOCOLS)
  const out: SecuritySettings = {protocol}
  if (protocol === 'SSL' || protocol === 'SASL_SSL') out.tls = tlsSettings(r)
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') out.sasl = saslSettings(r)
  return out
}

function tlsSettings(r: ConfigReader): TlsSettings {
  for (const type of ['ssl.truststore.type', 'ssl.keystore.type'] as const) {
    const value = r.optionalString(type)
    if (value !== undefined && value.toUpperCase() !== 'PEM') {
      throw invalid(
        type,
        value,
        'kafkalite reads PEM stores only: set it to PEM and convert the store (keytool -importkeystore, then openssl pkcs12 -nodes)',
      )
    }
  }
  const tls: TlsSettings = {
    checkHostname: r.string('ssl.endpoint.identification.algorithm', 'https').trim().toLowerCase() === 'https',
  }
  const trustFile = r.optionalString('ssl.truststore.location')
  const trustInline = r.optionalString('ssl.truststore.certificates')
  if (trustInline !== undefined) tls.ca = trustInline
  else if (trustFile !== undefined) tls.ca = readPem('ssl.truststore.location', trustFile)
  const keyFile = r.optionalString('ssl.keystore.location')
  const chainInline = r.optionalString('ssl.keystore.certificate.chain')
  const keyInline = r.optionalString('ssl.keystore.key')
  if (chainInline !== undefined || keyInline !== undefined) {
    tls.cert = chainInline
    tls.key = keyInline
  } else if (keyFile !== undefined) {
    // A PEM key store holds the private key and the certificate chain in one file, as Kafka's PEM key store does.
    const pem = readPem('ssl.keystore.location', keyFile)
    tls.cert = pem
    tls.key = pem
  }
  const password = r.optionalString('ssl.key.password')
  if (password !== undefined) tls.passphrase = password
  return tls
}

function saslSettings(r: ConfigReader): SaslSettings {
  const mechanism = r.string('sasl.mechanism', 'GSSAPI').trim().toUpperCase()
  if (!(MECHANISMS as readonly string[]).includes(mechanism)) {
    throw invalid(
      'sasl.mechanism',
      mechanism,
      `kafkalite speaks ${MECHANISMS.join(', ')} (Kafka's default is GSSAPI: set sasl.mechanism)`,
    )
  }
  const jaas = r.optionalString('sasl.jaas.config')
  if (jaas === undefined) {
    throw new KafkaException(
      'INVALID_CONFIG',
      `sasl.jaas.config is missing: with sasl.mechanism=${mechanism} set it to ${mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule'} required username="..." password="...";`,
    )
  }
  const {module, options} = parseJaasConfig(jaas)
  const expected = mechanism === 'PLAIN' ? 'PlainLoginModule' : 'ScramLoginModule'
  if (!module.endsWith(`.${expected}`) && module !== expected) {
    throw invalid('sasl.jaas.config', module, `sasl.mechanism=${mechanism} needs ${expected}`)
  }
  const username = options.get('username')
  const password = options.get('password')
  if (username === undefined || password === undefined) {
    throw invalid(
      'sasl.jaas.config',
      jaas.replace(/password\s*=\s*"[^"]*"/, 'password="[hidden]"'),
      'it needs username="..." and password="..."',
    )
  }
  return {mechanism: mechanism as SaslMechanism, username, password}
}

/** One SASL exchange, message by message: `next` takes the server's last bytes (none at first). */
export interface SaslExchange {
  /** The next message to send, or null when the exchange is complete. */
  next(challenge: Buffer | null): Buffer | null
}

export function saslExchange(s: SaslSettings): SaslExchange {
  if (s.mechanism === 'PLAIN') {
    let sent = false
    return {
      next() {
        if (sent) return null
        sent = true
        return Buffer.from(`\0${s.username}\0${s.password}`, 'utf8')
      },
    }
  }
  return scramExchange(s.mechanism, s.username, s.password)
}

/** SCRAM (RFC 5802) as Kafka's ScramSaslClient runs it: client-first, client-final, then the server's proof. */
function scramExchange(mechanism: ScramMechanism, username: string, password: string): SaslExchange {
  const nonce = randomBytes(24).toString('base64url')
  const clientFirstBare = `n=${escapeScramName(username)},r=${nonce}`
  let step = 0
  let serverSignature: Buffer | undefined
  return {
    next(challenge) {
      step++
      if (step === 1) return Buffer.from(`n,,${clientFirstBare}`, 'utf8')
      if (step === 2) {
        const serverFirst = challenge!.toString('utf8')
        const fields = scramAttributes(serverFirst)
        const combined = fields.get('r') ?? ''
        const salt = Buffer.from(fields.get('s') ?? '', 'base64')
        const iterations = Number(fields.get('i'))
        if (!combined.startsWith(nonce) || !Number.isSafeInteger(iterations) || iterations < 1) {
          throw new KafkaException('SASL_AUTHENTICATION_FAILED', `Invalid SCRAM server first message: ${serverFirst}`)
        }
        const salted = saltedPassword(mechanism, password, salt, iterations)
        const clientKey = hmac(mechanism, salted, 'Client Key')
        const storedKey = digest(mechanism, clientKey)
        const withoutProof = `c=biws,r=${combined}`
        const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`
        const proof = xor(clientKey, hmac(mechanism, storedKey, authMessage))
        serverSignature = hmac(mechanism, hmac(mechanism, salted, 'Server Key'), authMessage)
        return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8')
      }
      if (step === 3) {
        const serverFinal = challenge!.toString('utf8')
        if (serverFinal.startsWith('e=')) {
          throw new KafkaException('SASL_AUTHENTICATION_FAILED', `SCRAM authentication failed: ${serverFinal.slice(2)}`)
        }
        if (serverFinal !== `v=${serverSignature!.toString('base64')}`) {
          throw new KafkaException(
            'SASL_AUTHENTICATION_FAILED',
            "The broker's SCRAM signature does not match: it does not know this password, or it is not the broker.",
          )
        }
        return null
      }
      return null
    },
  }
}
