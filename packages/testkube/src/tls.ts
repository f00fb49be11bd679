// Throwaway TLS material for the test API server: a private CA and a serving certificate it signs.
// kubectl and client-node only talk HTTPS to a server they can verify, so every server start mints
// a fresh CA whose PEM goes into the kubeconfig. ECDSA P-256 keeps generation in the milliseconds.
import { isIP } from 'node:net';
import { webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';

export interface ServingCertificate {
  /** The CA certificate clients must trust (PEM). */
  caPem: string;
  /** The server's certificate (PEM), signed by the CA. */
  certPem: string;
  /** The server's private key (PKCS#8 PEM). */
  keyPem: string;
}

const crypto = webcrypto;
const EC_KEY: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;
// Backdated so a client whose clock is slightly behind does not see a not-yet-valid certificate.
const CLOCK_SKEW_MS = 60 * 60 * 1000;

/**
 * @peculiar/x509 2.x resolves its algorithm providers through tsyringe, which refuses to load
 * unless a `reflect-metadata` style API exists on `Reflect`. The package does not depend on
 * reflect-metadata, so the three functions tsyringe calls are provided here (only when absent)
 * before the library is loaded. Its classes take no constructor parameters, so plain per-object
 * storage is all the metadata they need.
 */
function ensureReflectMetadata(): void {
  type MetadataReflect = typeof Reflect & {
    getMetadata?: (key: unknown, target: object) => unknown;
    getOwnMetadata?: (key: unknown, target: object) => unknown;
    defineMetadata?: (key: unknown, value: unknown, target: object) => void;
  };
  const r = Reflect as MetadataReflect;
  if (typeof r.getMetadata === 'function' && typeof r.getOwnMetadata === 'function' && typeof r.defineMetadata === 'function') return;
  const store = new WeakMap<object, Map<unknown, unknown>>();
  r.defineMetadata = (key, value, target) => {
    let m = store.get(target);
    if (!m) store.set(target, (m = new Map()));
    m.set(key, value);
  };
  r.getOwnMetadata = (key, target) => store.get(target)?.get(key);
  r.getMetadata = (key, target) => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const m = store.get(t);
      if (m?.has(key)) return m.get(key);
    }
    return undefined;
  };
}

let x509Module: Promise<typeof X509> | undefined;
function loadX509(): Promise<typeof X509> {
  if (!x509Module) {
    ensureReflectMetadata();
    x509Module = import('@peculiar/x509');
  }
  return x509Module;
}

/** PEM as files carry it: newline-terminated, which some PEM readers insist on. */
function pemFile(pem: string): string {
  const text = pem.replace(/\r\n/g, '\n');
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** A random positive serial: Go's x509 parser rejects negative ones, so the top bit stays clear. */
function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
}

async function privateKeyPem(x509: typeof X509, key: webcrypto.CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', key);
  return pemFile(x509.PemConverter.encode(der, 'PRIVATE KEY'));
}

/**
 * Creates a CA and a serving certificate for `hosts` (IP addresses become IP SANs, everything else
 * DNS SANs), both valid for one year.
 */
export async function generateServingCertificate(hosts: string[]): Promise<ServingCertificate> {
  if (hosts.length === 0) throw new Error('generateServingCertificate needs at least one host');
  const notBefore = new Date(Date.now() - CLOCK_SKEW_MS);
  const notAfter = new Date(Date.now() + ONE_YEAR_MS);

  const [x509, caKeys, serverKeys] = await Promise.all([loadX509(), generateKeys(), generateKeys()]);

  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: 'CN=testkube-ca',
      notBefore,
      notAfter,
      keys: caKeys,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  const names = [...new Set(hosts)].map((h) => ({ type: isIP(h) ? ('ip' as const) : ('dns' as const), value: h }));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: 'CN=testkube',
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension(names, false),
        await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  return {
    caPem: pemFile(ca.toString('pem')),
    certPem: pemFile(cert.toString('pem')),
    keyPem: await privateKeyPem(x509, serverKeys.privateKey),
  };
}
