// A TCP proxy on loopback that can freeze its open connections: they stay open but no byte passes
// any more, the way a half-dead network path or a hung load balancer behaves. New connections work.
import net from 'node:net';

export interface FreezingProxy {
  url: string;
  /** Stops forwarding on every open connection without closing it. */
  freeze(): number;
  close(): Promise<void>;
}

export async function startFreezingProxy(target: URL): Promise<FreezingProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; frozen: boolean }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    const pair = { client, upstream, frozen: false };
    pairs.add(pair);
    client.on('data', (d) => {
      if (!pair.frozen) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!pair.frozen) client.write(d);
    });
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `${target.protocol}//127.0.0.1:${port}`,
    freeze: () => {
      for (const p of pairs) p.frozen = true;
      return pairs.size;
    },
    close: async () => {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
