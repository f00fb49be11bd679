// kubeconfig files for kubectl and client-node pointing at a testkube server.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  /** API server URL, e.g. https://127.0.0.1:6443. */
  server: string;
  /** PEM of the CA that signed the server's certificate. */
  caPem: string;
  /**
   * Bearer token (default `testkube`; testkube accepts any). A user entry without any credential
   * makes kubectl stop and prompt for a username on HTTPS servers, so there is always one.
   */
  token?: string;
  /** Name of the user entry (default `testkube-user`). */
  user?: string;
  /** Default namespace of the context. */
  namespace?: string;
}

const NAME = 'testkube';
const DEFAULT_TOKEN = 'testkube';

export function buildKubeconfig(options: KubeconfigOptions): string {
  const user = options.user ?? 'testkube-user';
  const context: Record<string, string> = { cluster: NAME, user };
  if (options.namespace !== undefined) context.namespace = options.namespace;
  const credentials = { token: options.token ?? DEFAULT_TOKEN };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: NAME,
        cluster: {
          server: options.server,
          'certificate-authority-data': Buffer.from(options.caPem, 'utf8').toString('base64'),
        },
      },
    ],
    contexts: [{ name: NAME, context }],
    'current-context': NAME,
    preferences: {},
    users: [{ name: user, user: credentials }],
  };
  // Long base64 lines must stay on one line: folded scalars are valid YAML but harder to read.
  return stringify(config, { lineWidth: 0 });
}

/**
 * Writes a kubeconfig readable only by its owner (it may hold a token). The file is written under a
 * temporary name and renamed into place, so a kubectl started concurrently never sees half a file.
 */
export function writeKubeconfig(path: string, kubeconfig: string | KubeconfigOptions): void {
  const text = typeof kubeconfig === 'string' ? kubeconfig : buildKubeconfig(kubeconfig);
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    // The creation mode is filtered by the umask; 0600 must hold regardless.
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing was left behind.
    }
    throw e;
  }
}
