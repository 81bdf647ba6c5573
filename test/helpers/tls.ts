// TLS material for tests: the committed fixtures (test/fixtures/tls: a CA, a key store for localhost and 127.0.0.1
// signed by it, a client key store, a CA that signed nothing), and certificates made at test time with openssl for
// what the fixtures do not cover (a certificate for another host name, an encrypted key), in the test's own home:
// no key material is committed for them.
import {execFileSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const TLS_FIXTURES = fileURLToPath(new URL('../fixtures/tls', import.meta.url))

/** A fixture's path: ca.pem, broker.pem (localhost, 127.0.0.1), client.pem (CN=test-client), other-ca.pem. */
export const fixture = (name: 'ca.pem' | 'broker.pem' | 'client.pem' | 'other-ca.pem') => join(TLS_FIXTURES, name)

export interface SelfSigned {
  /** The PEM key store: the private key (encrypted when a password was given), then the certificate. */
  keyStore: string
  /** The certificate alone: the CA a client trusts to reach the key store's owner. */
  certificate: string
}

/**
 * A self-signed certificate for `host` (its subject and only name) and its key, written to `dir` as `<name>.pem`
 * (the key store) and `<name>-cert.pem`; with `password`, the key is encrypted with it.
 */
export function selfSigned(dir: string, name: string, host: string, password?: string): SelfSigned {
  const key = join(dir, `${name}-key.pem`)
  const certificate = join(dir, `${name}-cert.pem`)
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-keyout',
      key,
      '-out',
      certificate,
      '-days',
      '2',
      '-subj',
      `/CN=${host}`,
      '-addext',
      `subjectAltName=DNS:${host}`,
      ...(password === undefined ? ['-nodes'] : ['-passout', `pass:${password}`]),
    ],
    {stdio: ['ignore', 'ignore', 'pipe']},
  )
  const keyStore = join(dir, `${name}.pem`)
  writeFileSync(keyStore, readFileSync(key, 'utf8') + readFileSync(certificate, 'utf8'))
  return {keyStore, certificate}
}
