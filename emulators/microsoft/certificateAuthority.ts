// The emulator's TLS: a private certificate authority (made once per CA directory, or per start when
// none is given) and a server certificate for 127.0.0.1, ::1 and localhost signed by it. The CA
// certificate is written to a file clients trust the ordinary way (NODE_EXTRA_CA_CERTS, or a CA
// bundle setting) — @azure/msal-node refuses an http: authority, and nothing here turns
// verification off. ECDSA P-256 keeps generation fast (milliseconds) for tests that start many emulators.

import { webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 3600 * 1000;

export interface ServerTlsMaterial {
  /** PEM of the server certificate followed by the CA certificate (the chain a server presents). */
  cert: string;
  /** PEM (PKCS#8) of the server's private key. */
  key: string;
  /** Where the CA certificate (PEM) was written. */
  caCertPath: string;
  /** The temporary directory made for the CA (no directory was given): removed when the emulator closes. */
  temporaryDirectory?: string;
}

interface Authority {
  certificate: x509.X509Certificate;
  keys: CryptoKeyPair;
}

/**
 * Loads the CA kept in `directory` (ca.pem, ca-key.pem), or makes one there; without a directory, a
 * fresh CA in a new temporary directory. Then issues a server certificate for the loopback names.
 */
export async function prepareServerTls(directory?: string): Promise<ServerTlsMaterial> {
  const folder = directory ?? (await mkdtemp(join(tmpdir(), 'changehook-microsoft-emulator-ca-')));
  await mkdir(folder, { recursive: true });
  const caCertPath = join(folder, 'ca.pem');
  const caKeyPath = join(folder, 'ca-key.pem');
  const authority = existsSync(caCertPath) && existsSync(caKeyPath) ? await loadAuthority(caCertPath, caKeyPath) : await createAuthority(caCertPath, caKeyPath);
  const server = await issueServerCertificate(authority);
  return {
    cert: `${server.cert}\n${authority.certificate.toString('pem')}\n`,
    key: server.key,
    caCertPath,
    ...(directory === undefined ? { temporaryDirectory: folder } : {}),
  };
}

/** Makes only the CA files in `directory` (for a process that must trust the CA before any emulator starts). */
export async function createCertificateAuthority(directory: string): Promise<string> {
  await mkdir(directory, { recursive: true });
  const caCertPath = join(directory, 'ca.pem');
  await createAuthority(caCertPath, join(directory, 'ca-key.pem'));
  return caCertPath;
}

async function createAuthority(certPath: string, keyPath: string): Promise<Authority> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'CN=Changehook Microsoft emulator CA, O=Changehook',
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 3650 * DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  await writeFile(certPath, certificate.toString('pem'));
  await writeFile(keyPath, await privateKeyPem(keys.privateKey), { mode: 0o600 });
  return { certificate, keys };
}

async function loadAuthority(certPath: string, keyPath: string): Promise<Authority> {
  const certificate = new x509.X509Certificate(await readFile(certPath, 'utf8'));
  const keyDer = x509.PemConverter.decodeFirst(await readFile(keyPath, 'utf8'));
  const privateKey = await webcrypto.subtle.importKey('pkcs8', keyDer, ALGORITHM, true, ['sign']);
  const publicKey = await certificate.publicKey.export(ALGORITHM, ['verify']);
  return { certificate, keys: { privateKey, publicKey } };
}

async function issueServerCertificate(authority: Authority): Promise<{ cert: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=localhost',
    issuer: authority.certificate.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 365 * DAY_MS),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: authority.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(authority.keys.publicKey),
    ],
  });
  return { cert: certificate.toString('pem'), key: await privateKeyPem(keys.privateKey) };
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] as number) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
