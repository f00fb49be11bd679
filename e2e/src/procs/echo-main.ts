// Process: a "pod" in a node namespace: a TCP echo server on every address of the namespace (`::`,
// dual-stack), so it answers on the node's LAN addresses and on any load-balancer address an agent
// adds to the node's interfaces. Bytes come back unchanged, except that a first chunk of exactly
// `whoami\n` is answered with `<name>\n`, so a test can tell which node served a connection.
import net from 'node:net';
import { parseArgs } from 'node:util';
import { exitOnSignals, fail, writeReadyFile } from './common.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, name: { type: 'string' }, 'ready-file': { type: 'string' }, 'run-dir': { type: 'string' } },
  });
  if (!values.port || !values.name || !values['ready-file']) throw new Error('need --port, --name and --ready-file');
  const name = values.name;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    let first = true;
    socket.on('data', (chunk: Buffer) => {
      if (first && chunk.toString('utf8') === 'whoami\n') socket.write(`${name}\n`);
      else socket.write(chunk);
      first = false;
    });
    // The client finished sending: finish too, after everything was echoed.
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: Number(values.port), host: '::', ipv6Only: false }, resolve);
  });
  exitOnSignals(() => new Promise<void>((r) => server.close(() => r())));
  writeReadyFile(values['ready-file'], { pid: process.pid, port: Number(values.port) });
}

main().catch((e: unknown) => fail('echo', e));
