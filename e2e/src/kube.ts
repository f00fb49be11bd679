// A minimal JSON client for the harness's own API calls (Nodes, EndpointSlices). It connects through
// the host relay on 127.0.0.1 and checks the server certificate against `localhost`, one of the names
// testkube puts in it. Kept tiny on purpose: loading @kubernetes/client-node costs hundreds of ms.
import https from 'node:https';
import { writeFileSync } from 'node:fs';

export interface ApiEndpoint {
  url: string;
  caPem: string;
  token: string;
  /** Name to verify the certificate against when it differs from the URL's host. */
  tlsServerName?: string;
}

export class ApiStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status}: ${typeof body === 'object' && body && 'message' in body ? String((body as { message: unknown }).message) : JSON.stringify(body)}`);
    this.name = 'ApiStatusError';
  }
}

export function apiRequest<T = any>(ep: ApiEndpoint, method: string, path: string, body?: unknown, timeoutMs = 10000): Promise<T> {
  const url = new URL(path, ep.url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<T>((resolve, reject) => {
    const req = https.request(
      {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        path: url.pathname + url.search,
        method,
        ca: ep.caPem,
        servername: ep.tlsServerName,
        // No connection pooling: nothing stays open after a call (tests end cleanly).
        agent: false,
        timeout: timeoutMs,
        headers: {
          authorization: `Bearer ${ep.token}`,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON: keep the text for the error message.
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(parsed as T);
          else reject(new ApiStatusError(status, parsed, `${method} ${path}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * A kubeconfig as JSON (valid YAML, read by kubectl and client-node alike). `tls-server-name` lets the
 * host kubeconfig connect to 127.0.0.1 while verifying the certificate for `localhost`.
 */
export function writeJsonKubeconfig(path: string, ep: ApiEndpoint): void {
  const cluster: Record<string, string> = {
    server: ep.url,
    'certificate-authority-data': Buffer.from(ep.caPem, 'utf8').toString('base64'),
  };
  if (ep.tlsServerName) cluster['tls-server-name'] = ep.tlsServerName;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'purelb-e2e', cluster }],
    contexts: [{ name: 'purelb-e2e', context: { cluster: 'purelb-e2e', user: 'purelb-e2e' } }],
    'current-context': 'purelb-e2e',
    preferences: {},
    users: [{ name: 'purelb-e2e', user: { token: ep.token } }],
  };
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}
