// A byte relay between a listening socket and a target (TCP or a path-named Unix socket). Used twice
// to reach the control plane from the host without any route into the test network:
//   host 127.0.0.1:<port>  --(this relay, host namespace)-->  <runDir>/api.sock
//   <runDir>/api.sock      --(control-plane process, cp namespace)-->  198.51.100.2:6443
// Unix sockets live in the file system, which all namespaces share; TCP sockets belong to one
// network namespace. The relay only moves bytes: TLS is end to end between client and testkube.
import net from 'node:net';
import { unlinkSync } from 'node:fs';

/** `tcp:HOST:PORT` (HOST may be a bracketed IPv6 address) or `unix:/path`. */
export type Endpoint = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

export function parseEndpoint(text: string): Endpoint {
  if (text.startsWith('unix:')) return { kind: 'unix', path: text.slice(5) };
  const m = /^tcp:(\[[^\]]+\]|[^:]+):(\d+)$/.exec(text);
  if (!m) throw new Error(`bad endpoint ${JSON.stringify(text)}: want tcp:HOST:PORT or unix:/path`);
  return { kind: 'tcp', host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export interface Relay {
  /** The TCP port listened on (0 for a Unix socket). */
  port: number;
  close(): Promise<void>;
}

export function startRelay(listen: Endpoint, target: Endpoint): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = target.kind === 'unix' ? net.connect(target.path) : net.connect(target.port, target.host);
    sockets.add(inbound).add(outbound);
    const done = () => {
      inbound.destroy();
      outbound.destroy();
      sockets.delete(inbound);
      sockets.delete(outbound);
    };
    inbound.on('error', done).on('close', done);
    outbound.on('error', done).on('close', done);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const ready = () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : 0,
        close: () =>
          new Promise<void>((res) => {
            for (const s of sockets) s.destroy();
            server.close(() => res());
          }),
      });
    };
    if (listen.kind === 'unix') {
      try {
        unlinkSync(listen.path); // a socket file left by a crashed predecessor
      } catch {
        // Nothing there.
      }
      server.listen(listen.path, ready);
    } else {
      server.listen(listen.port, listen.host, ready);
    }
  });
}
