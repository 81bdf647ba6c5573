// The registry client's TLS, from Confluent's client settings, and what a failed TLS connection means. PEM files
// under the names Confluent's JavaScript, Python, Go and .NET clients use (schema.registry.ssl.ca.location,
// .certificate.location, .key.location, .key.password), or under its Java client's (schema.registry.ssl.truststore.*
// and .keystore.*, the console tools' --property names) with PEM stores, as kafkalite's Kafka client reads ssl.*.
// The files are read and the context made once, when the client is made: a bad file or password fails there, in one
// line naming the setting, not at the first request.
import {readFileSync} from 'node:fs'
import {checkServerIdentity, createSecureContext, type PeerCertificate, type SecureContext} from 'node:tls'
import {KafkaException} from '../../errors.js'

/** The TLS settings a registry client reads (all optional). */
export interface RegistryTlsConfig {
  'schema.registry.ssl.ca.location'?: string
  'schema.registry.ssl.certificate.location'?: string
  'schema.registry.ssl.key.location'?: string
  'schema.registry.ssl.key.password'?: string
  'schema.registry.ssl.endpoint.identification.algorithm'?: string
  'schema.registry.ssl.truststore.type'?: string
  'schema.registry.ssl.truststore.location'?: string
  'schema.registry.ssl.keystore.type'?: string
  'schema.registry.ssl.keystore.location'?: string
}

/** What an https connection to the registry needs: the context (CAs, client certificate) and the host name check. */
export interface RegistryTls {
  secureContext: SecureContext
  checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined
  /** Whether the client presents a certificate. */
  clientCertificate: boolean
}

const invalid = (name: string, value: string, why: string) =>
  new KafkaException('INVALID_CONFIG', `Invalid ${name} '${value}': ${why}.`)

function readFile(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw invalid(name, path, `cannot read it (${code ?? (error as Error).message}); give the path of a PEM file`)
  }
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----/
const PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/

/** The registry client's TLS from its config; throws one line naming a setting it cannot use. */
export function registryTls(config: RegistryTlsConfig): RegistryTls {
  const get = (name: keyof RegistryTlsConfig): string | undefined => {
    const v = config[name]
    return v === undefined || String(v).trim() === '' ? undefined : String(v).trim()
  }
  for (const name of ['schema.registry.ssl.truststore.type', 'schema.registry.ssl.keystore.type'] as const) {
    const type = get(name)
    if (type !== undefined && type.toUpperCase() !== 'PEM') {
      throw invalid(
        name,
        type,
        'kafkalite reads PEM files only: set it to PEM and convert the store (keytool -importkeystore to PKCS12, then openssl pkcs12 -nodes)',
      )
    }
  }

  // The CAs to trust: ca.location, or Java's truststore.location (PEM). Without either, Node's own CAs.
  const caName = get('schema.registry.ssl.ca.location')
    ? 'schema.registry.ssl.ca.location'
    : get('schema.registry.ssl.truststore.location')
      ? 'schema.registry.ssl.truststore.location'
      : undefined
  let ca: string | undefined
  if (caName !== undefined) {
    const path = get(caName)!
    ca = readFile(caName, path)
    if (!CERTIFICATE.test(ca)) {
      throw invalid(
        caName,
        path,
        'it holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the CA certificates in PEM',
      )
    }
  }

  // The client's certificate and key: certificate.location with key.location (a file holding both will do for
  // either), or Java's keystore.location, a PEM key store holding the key and the certificate chain.
  let cert: string | undefined
  let key: string | undefined
  let certName: string | undefined
  const certPath = get('schema.registry.ssl.certificate.location')
  const keyPath = get('schema.registry.ssl.key.location')
  const storePath = get('schema.registry.ssl.keystore.location')
  if (certPath !== undefined || keyPath !== undefined) {
    certName = 'schema.registry.ssl.certificate.location'
    cert = certPath === undefined ? undefined : readFile(certName, certPath)
    key = keyPath === undefined ? undefined : readFile('schema.registry.ssl.key.location', keyPath)
    if (key === undefined && cert !== undefined && PRIVATE_KEY.test(cert)) key = cert
    if (cert === undefined && key !== undefined && CERTIFICATE.test(key)) cert = key
    if (cert === undefined) {
      throw invalid(
        'schema.registry.ssl.key.location',
        keyPath!,
        'a client key needs its certificate: set schema.registry.ssl.certificate.location too',
      )
    }
    if (key === undefined) {
      throw invalid(
        certName,
        certPath!,
        'a client certificate needs its private key: set schema.registry.ssl.key.location too',
      )
    }
  } else if (storePath !== undefined) {
    certName = 'schema.registry.ssl.keystore.location'
    cert = key = readFile(certName, storePath)
    if (!PRIVATE_KEY.test(key) || !CERTIFICATE.test(cert)) {
      throw invalid(
        certName,
        storePath,
        'a PEM key store holds the private key and the certificate chain, and this file does not; or set schema.registry.ssl.certificate.location and schema.registry.ssl.key.location',
      )
    }
  }
  const passphrase = config['schema.registry.ssl.key.password']

  const algorithm = (config['schema.registry.ssl.endpoint.identification.algorithm'] ?? 'https').trim()
  if (!/^(https|none|)$/i.test(algorithm)) {
    throw invalid(
      'schema.registry.ssl.endpoint.identification.algorithm',
      algorithm,
      'use https (check the host name against the certificate, the default), or empty to skip that check',
    )
  }

  let secureContext: SecureContext
  try {
    secureContext = createSecureContext({ca, cert, key, passphrase})
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    const reason = opensslReason(e.message)
    if (certName === undefined) {
      throw invalid(
        caName!,
        get(caName!)!,
        `its certificates cannot be used (${reason}); give the CA certificates in PEM`,
      )
    }
    const where = certName === 'schema.registry.ssl.keystore.location' ? storePath! : (certPath ?? keyPath)!
    const why =
      e.code === 'ERR_OSSL_BAD_DECRYPT'
        ? `its private key cannot be decrypted (${reason}): give the key's password in schema.registry.ssl.key.password`
        : e.code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH'
          ? `the private key is not the certificate's (${reason}): give the key that goes with the certificate`
          : `the client certificate or key cannot be used (${reason}): give PEM files`
    throw invalid(certName, where, why)
  }
  return {
    secureContext,
    checkServerIdentity: algorithm.toLowerCase() === 'https' ? checkServerIdentity : () => undefined,
    clientCertificate: cert !== undefined,
  }
}

/** OpenSSL's reason out of its error text ("error:1C800064:Provider routines::bad decrypt"). */
function opensslReason(message: string): string {
  return /routines:[^:]*:([^:]+)/.exec(message)?.[1]?.trim() ?? message.split('\n')[0]!.trim()
}

/** Certificate checks that fail because the registry's certificate chains to no CA this client trusts. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
])

/**
 * What a failed https connection to the registry means and what to do about it, in one sentence; undefined for an
 * error that is not about TLS.
 */
export function tlsFailure(
  error: NodeJS.ErrnoException & {host?: string; cert?: PeerCertificate},
  tls: RegistryTls | undefined,
): string | undefined {
  const code = error.code ?? ''
  const reason = opensslReason(error.message)
  if (UNTRUSTED.has(code)) {
    return `its certificate is not trusted (${error.message}): set schema.registry.ssl.ca.location to a PEM file of the CA that signed it`
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `its certificate is not valid now (${error.message}): the registry needs a current certificate`
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = error.cert?.subjectaltname ?? (error.cert?.subject?.CN ? `CN=${String(error.cert.subject.CN)}` : '')
    return `its certificate names ${names || 'other hosts'}, not ${error.host ?? "the URL's host"}: use a host name the certificate names, or set schema.registry.ssl.endpoint.identification.algorithm= (empty) to skip the check`
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/.test(reason)) {
    return `it does not speak TLS there (${reason}): use http:// if the registry serves plain HTTP`
  }
  if (/certificate required/.test(reason) || code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') {
    return `it asks for a client certificate (${reason}): set schema.registry.ssl.certificate.location and schema.registry.ssl.key.location`
  }
  if (/alert (bad certificate|unknown ca|certificate unknown|certificate revoked|certificate expired)/.test(reason)) {
    return `it refused the client certificate (${reason}): give one signed by a CA the registry trusts`
  }
  // Node's TLS server refuses a client certificate it does not trust by closing the connection, with no alert.
  if (tls?.clientCertificate && code === 'ECONNRESET') {
    return `the registry closed the connection after the TLS handshake (${error.message}): if it checks client certificates, give one signed by a CA it trusts`
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_OSSL_')) {
    return `the TLS handshake failed (${reason})`
  }
  return undefined
}
