// TLS material and kubeconfig files: a client that trusts only the generated CA (Node's https,
// the real kubectl) must accept the serving certificate, and the kubeconfig must be private and
// replaced atomically.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { generateServingCertificate, type ServingCertificate } from '../src/tls.js';
import { buildKubeconfig, writeKubeconfig } from '../src/kubeconfig.js';

const run = promisify(execFile);

interface Seen {
  path: string;
  authorization: string | undefined;
}

/** An HTTPS server with the generated certificate that answers /version and records requests. */
async function startServer(tls: ServingCertificate, host = '127.0.0.1'): Promise<{ server: https.Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ major: '1', minor: '28', gitVersion: 'v1.28.15' }));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

function close(server: https.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** GET over HTTPS; resolves with the body or rejects with the TLS error code. */
function get(url: string, options: https.RequestOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...options, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', reject);
  });
}

async function tlsErrorCode(url: string, options: https.RequestOptions): Promise<string> {
  try {
    await get(url, options);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
  throw new Error(`request to ${url} unexpectedly succeeded`);
}

describe('generateServingCertificate', () => {
  let tls: ServingCertificate;

  beforeAll(async () => {
    tls = await generateServingCertificate(['127.0.0.1', 'localhost', '::1']);
  });

  it('issues an ECDSA P-256 serving certificate for the given IPs and names, signed by a CA', () => {
    const ca = new X509Certificate(tls.caPem);
    const cert = new X509Certificate(tls.certPem);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost, IP Address:0:0:0:0:0:0:0:1');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);

    const key = createPrivateKey(tls.keyPem);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.checkPrivateKey(key)).toBe(true);
    // Go's x509 parser rejects negative serial numbers.
    expect(Number.parseInt(cert.serialNumber.slice(0, 2), 16)).toBeLessThan(0x80);

    for (const pem of [tls.caPem, tls.certPem, tls.keyPem]) expect(pem.endsWith('-----\n')).toBe(true);
  });

  it('is valid from now (with an hour of clock skew) for one year', () => {
    const cert = new X509Certificate(tls.certPem);
    const from = new Date(cert.validFrom).getTime();
    const to = new Date(cert.validTo).getTime();
    const now = Date.now();
    expect(from).toBeLessThanOrEqual(now - 59 * 60 * 1000);
    expect(from).toBeGreaterThan(now - 2 * 60 * 60 * 1000);
    const year = 365 * 24 * 60 * 60 * 1000;
    expect(to - now).toBeGreaterThan(year - 60 * 60 * 1000);
    expect(to - now).toBeLessThanOrEqual(year + 60 * 1000);
  });

  it('makes a new CA every time', async () => {
    const other = await generateServingCertificate(['127.0.0.1']);
    expect(other.caPem).not.toBe(tls.caPem);
    expect(new X509Certificate(other.certPem).checkIssued(new X509Certificate(tls.caPem))).toBe(false);
  });

  it('takes well under 100 ms once the library is loaded', async () => {
    await generateServingCertificate(['127.0.0.1']);
    const start = performance.now();
    await generateServingCertificate(['127.0.0.1', 'localhost']);
    expect(performance.now() - start).toBeLessThan(100);
  });

  it('rejects an empty host list', async () => {
    await expect(generateServingCertificate([])).rejects.toThrow('at least one host');
  });
});

describe('HTTPS with the generated certificate', () => {
  let tls: ServingCertificate;
  let server: https.Server;
  let port: number;

  beforeAll(async () => {
    tls = await generateServingCertificate(['127.0.0.1', 'localhost']);
    ({ server, port } = await startServer(tls));
  });

  afterAll(() => close(server));

  it('is trusted by a Node client that is given only the CA', async () => {
    const body = await get(`https://127.0.0.1:${port}/version`, { ca: tls.caPem });
    expect(JSON.parse(body)).toMatchObject({ gitVersion: 'v1.28.15' });
    const byName = await get(`https://localhost:${port}/version`, { ca: tls.caPem, lookup: (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]) });
    expect(JSON.parse(body)).toEqual(JSON.parse(byName));
  });

  it('is not trusted without that CA, with another CA, or for a name it was not issued for', async () => {
    expect(await tlsErrorCode(`https://127.0.0.1:${port}/version`, {})).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    const other = await generateServingCertificate(['127.0.0.1']);
    expect(await tlsErrorCode(`https://127.0.0.1:${port}/version`, { ca: other.caPem })).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(await tlsErrorCode(`https://127.0.0.1:${port}/version`, { ca: tls.caPem, servername: 'example.com' })).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});

describe('kubectl with the generated certificate and kubeconfig', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'testkube-tls-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function kubectl(kubeconfig: string, ...args: string[]): Promise<string> {
    // stdin is closed so that a credential prompt fails at once instead of waiting for input.
    const child = run('kubectl', ['--kubeconfig', kubeconfig, ...args], {
      env: { ...process.env, HOME: dir, KUBECACHEDIR: join(dir, 'cache') },
      timeout: 20_000,
    });
    child.child.stdin?.end();
    const { stdout } = await child;
    return stdout;
  }

  it('verifies the server and sends the token', async () => {
    const tls = await generateServingCertificate(['127.0.0.1', 'localhost']);
    const { server, port, seen } = await startServer(tls);
    try {
      const path = join(dir, 'token', 'config');
      writeKubeconfig(path, { server: `https://127.0.0.1:${port}`, caPem: tls.caPem, token: 'sekret', namespace: 'team-a' });
      expect(JSON.parse(await kubectl(path, 'get', '--raw', '/version'))).toEqual({ major: '1', minor: '28', gitVersion: 'v1.28.15' });
      expect(seen.at(-1)).toEqual({ path: '/version', authorization: 'Bearer sekret' });
      expect(await kubectl(path, 'config', 'view', '--minify', '-o', 'jsonpath={.contexts[0].context.namespace}')).toBe('team-a');
    } finally {
      await close(server);
    }
  });

  it('reaches the server by host name and never prompts for credentials without a token', async () => {
    const tls = await generateServingCertificate(['localhost']);
    const { server, port, seen } = await startServer(tls);
    try {
      const path = join(dir, 'default-token');
      writeKubeconfig(path, buildKubeconfig({ server: `https://localhost:${port}`, caPem: tls.caPem }));
      expect(JSON.parse(await kubectl(path, 'get', '--raw', '/version'))).toMatchObject({ gitVersion: 'v1.28.15' });
      expect(seen.at(-1)).toEqual({ path: '/version', authorization: 'Bearer testkube' });
    } finally {
      await close(server);
    }
  });

  it('refuses a server whose certificate comes from another CA', async () => {
    const tls = await generateServingCertificate(['127.0.0.1']);
    const stranger = await generateServingCertificate(['127.0.0.1']);
    const { server, port } = await startServer(tls);
    try {
      const path = join(dir, 'stranger');
      writeKubeconfig(path, { server: `https://127.0.0.1:${port}`, caPem: stranger.caPem });
      const err = (await kubectl(path, 'get', '--raw', '/version').then(
        () => undefined,
        (e: { stderr?: string }) => e,
      )) as { stderr?: string } | undefined;
      expect(err?.stderr).toContain('certificate signed by unknown authority');
    } finally {
      await close(server);
    }
  });
});

describe('buildKubeconfig', () => {
  it('writes the server, the CA as certificate-authority-data and a placeholder token by default', () => {
    const text = buildKubeconfig({ server: 'https://127.0.0.1:6443', caPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' });
    const config = parseYaml(text) as Record<string, any>;
    expect(config).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'testkube',
          cluster: {
            server: 'https://127.0.0.1:6443',
            'certificate-authority-data': Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n').toString('base64'),
          },
        },
      ],
      contexts: [{ name: 'testkube', context: { cluster: 'testkube', user: 'testkube-user' } }],
      'current-context': 'testkube',
      preferences: {},
      users: [{ name: 'testkube-user', user: { token: 'testkube' } }],
    });
  });

  it('adds the token, the user name and the namespace when given', () => {
    const config = parseYaml(buildKubeconfig({ server: 'https://h:1', caPem: 'x', token: 't0k', user: 'alice', namespace: 'dev' })) as Record<string, any>;
    expect(config.contexts).toEqual([{ name: 'testkube', context: { cluster: 'testkube', user: 'alice', namespace: 'dev' } }]);
    expect(config.users).toEqual([{ name: 'alice', user: { token: 't0k' } }]);
  });

  it('keeps the long certificate data on one line', async () => {
    const tls = await generateServingCertificate(['127.0.0.1']);
    const text = buildKubeconfig({ server: 'https://127.0.0.1:1', caPem: tls.caPem });
    const line = text.split('\n').find((l) => l.includes('certificate-authority-data'))!;
    expect(line.trim()).toBe(`certificate-authority-data: ${Buffer.from(tls.caPem).toString('base64')}`);
  });
});

describe('writeKubeconfig', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'testkube-kubeconfig-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the directory and a file only its owner can read', () => {
    const path = join(dir, 'nested', 'deeper', 'config');
    writeKubeconfig(path, { server: 'https://127.0.0.1:1', caPem: 'ca', token: 'secret' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(parseYaml(readFileSync(path, 'utf8'))).toMatchObject({ users: [{ user: { token: 'secret' } }] });
  });

  it('replaces an existing file by rename: new inode, mode 0600, no temporary files left', () => {
    const path = join(dir, 'replace');
    writeFileSync(path, 'old contents');
    chmodSync(path, 0o644);
    const before = statSync(path).ino;
    const text = buildKubeconfig({ server: 'https://127.0.0.1:2', caPem: 'ca' });
    writeKubeconfig(path, text);
    const after = statSync(path);
    expect(after.ino).not.toBe(before);
    expect(after.mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('leaves the old file and no temporary file behind when the rename fails', () => {
    const path = join(dir, 'is-a-directory');
    writeKubeconfig(join(path, 'inside'), 'x');
    expect(() => writeKubeconfig(path, 'y')).toThrow();
    expect(statSync(path).isDirectory()).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});
