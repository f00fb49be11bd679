// Process: `node relay-main.js --listen tcp:127.0.0.1:0 --connect unix:/run/…/api.sock --ready-file F --run-dir D`.
// `--run-dir` is only a marker: `down` finds the harness's host processes by it after a crash.
import { parseArgs } from 'node:util';
import { exitOnSignals, fail, writeReadyFile } from './common.js';
import { parseEndpoint, startRelay } from './relay.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { listen: { type: 'string' }, connect: { type: 'string' }, 'ready-file': { type: 'string' }, 'run-dir': { type: 'string' } },
  });
  if (!values.listen || !values.connect || !values['ready-file']) throw new Error('need --listen, --connect and --ready-file');
  const relay = await startRelay(parseEndpoint(values.listen), parseEndpoint(values.connect));
  exitOnSignals(() => relay.close());
  writeReadyFile(values['ready-file'], { pid: process.pid, port: relay.port });
}

main().catch((e: unknown) => fail('relay', e));
