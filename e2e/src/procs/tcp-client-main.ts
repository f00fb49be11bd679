// Process run in the client namespace: one TCP connection to --host/--port, sends --send, half-closes
// and prints one JSON line: {ok, reply, local, remote} or {ok: false, error, code}.
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { host: { type: 'string' }, port: { type: 'string' }, send: { type: 'string', default: '' }, 'timeout-ms': { type: 'string', default: '5000' } },
});
const host = values.host ?? '';
const port = Number(values.port);
const socket = net.connect({ host, port });
let reply = '';
let local: { address?: string; port?: number } = {};
let remote: { address?: string; port?: number } = {};
const finish = (result: Record<string, unknown>, code: number) => {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  socket.destroy();
  process.exitCode = code;
};
const timer = setTimeout(() => finish({ ok: false, error: `no complete answer after ${values['timeout-ms']} ms`, code: 'TIMEOUT', reply }, 2), Number(values['timeout-ms']));
socket.setEncoding('utf8');
socket.on('connect', () => {
  local = { address: socket.localAddress, port: socket.localPort };
  remote = { address: socket.remoteAddress, port: socket.remotePort };
  socket.end(values.send);
});
socket.on('data', (c: string) => (reply += c));
socket.on('end', () => {
  clearTimeout(timer);
  finish({ ok: true, reply, local, remote }, 0);
});
socket.on('error', (e: NodeJS.ErrnoException) => {
  clearTimeout(timer);
  finish({ ok: false, error: e.message, code: e.code, reply }, 1);
});
