// Shared by the helper processes the harness starts (control plane, relay, echo pod, TCP client).
import { renameSync, writeFileSync } from 'node:fs';

/** Writes the ready file atomically, so the harness never reads half of it. */
export function writeReadyFile(path: string, content: unknown): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(content));
  renameSync(tmp, path);
}

/** Exits on SIGTERM/SIGINT after `stop` (bounded: a hung close must not keep `down` waiting). */
export function exitOnSignals(stop: () => Promise<void> | void): void {
  const handler = () => {
    setTimeout(() => process.exit(0), 2000).unref();
    Promise.resolve(stop()).finally(() => process.exit(0));
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

export function fail(name: string, err: unknown): never {
  process.stderr.write(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
