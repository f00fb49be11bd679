// Processes and network namespaces. Every external command runs from an argument array (never a
// shell string), so names and values can not be interpreted by a shell.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ProcessRecord } from './state.js';

export interface RunOptions {
  /** Written to the command's stdin (then closed). */
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly result: RunResult,
  ) {
    super(`${argv.join(' ')} failed (${result.signal ?? `exit ${String(result.code)}`}): ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = 'CommandError';
  }
}

/** Runs a command to completion; resolves with its output whatever the exit status. */
export function runRaw(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (!cmd) throw new Error('empty command');
    const child = spawn(cmd, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ stdout, stderr, code, signal });
    });
    child.stdin.on('error', () => {
      // The command may exit before reading its input; its exit status tells what happened.
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a command and fails unless it exits 0. */
export async function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await runRaw(argv, options);
  if (result.code !== 0) throw new CommandError(argv, result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Network namespaces

const NETNS_DIR = '/run/netns';

export function listNetns(): string[] {
  try {
    return readdirSync(NETNS_DIR);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export async function addNetns(name: string): Promise<void> {
  await run(['ip', 'netns', 'add', name]);
}

export async function deleteNetns(name: string): Promise<void> {
  const r = await runRaw(['ip', 'netns', 'delete', name]);
  // A crash between creating the file and mounting the namespace leaves a plain file behind.
  if (r.code !== 0 && existsSync(`${NETNS_DIR}/${name}`)) {
    try {
      unlinkSync(`${NETNS_DIR}/${name}`);
    } catch {
      throw new CommandError(['ip', 'netns', 'delete', name], r);
    }
  }
}

/** Pids of every process whose network namespace is `name`. */
export async function netnsPids(name: string): Promise<number[]> {
  const r = await runRaw(['ip', 'netns', 'pids', name]);
  if (r.code !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => Number.parseInt(l, 10))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** `ip -n NS -batch -`: many link/address/route commands in one process; stops at the first error. */
export async function ipBatch(ns: string, lines: string[][]): Promise<void> {
  if (lines.length === 0) return;
  for (const l of lines) for (const w of l) if (/[\s"'\\#]/.test(w) || w === '') throw new Error(`unsafe ip batch word: ${JSON.stringify(w)}`);
  await run(['ip', '-n', ns, '-batch', '-'], { input: `${lines.map((l) => l.join(' ')).join('\n')}\n` });
}

/** Runs a command inside a namespace (`ip netns exec NS argv…`). */
export function netnsExec(ns: string, argv: string[], options: RunOptions = {}): Promise<RunResult> {
  return run(['ip', 'netns', 'exec', ns, ...argv], options);
}

// ---------------------------------------------------------------------------------------------
// Processes

interface ProcStat {
  state: string;
  startTime: number;
}

function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) S ppid …": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', startTime: Number(fields[19]) };
}

export function processStartTime(pid: number): number | undefined {
  return procStat(pid)?.startTime;
}

/** True while the process runs (a zombie counts as gone: it only waits to be reaped). */
export function pidAlive(pid: number): boolean {
  const s = procStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** True while the recorded process (same pid and same start time) runs. */
export function recordAlive(rec: Pick<ProcessRecord, 'pid' | 'startTime'> | undefined): boolean {
  if (!rec) return false;
  const s = procStat(rec.pid);
  return s !== undefined && s.startTime === rec.startTime && s.state !== 'Z' && s.state !== 'X';
}

export function processArgv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return [];
  }
}

/** Pids of host processes whose command line carries `--run-dir <runDir>` (our helpers all do). */
export function findProcessesByRunDir(runDir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const argv = processArgv(pid);
    const i = argv.indexOf('--run-dir');
    if (i >= 0 && argv[i + 1] === runDir) found.push(pid);
  }
  return found;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function trySignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** Sends `signal` and waits up to `timeoutMs` for the process to go; true when it has. */
export async function signalAndWait(pid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
  trySignal(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** SIGTERM to all, SIGKILL to those still there after `graceMs`; resolves when all are gone. */
export async function terminateAll(pids: number[], graceMs: number): Promise<void> {
  for (const pid of pids) trySignal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(pidAlive) && Date.now() < deadline) await sleep(20);
  const left = pids.filter(pidAlive);
  for (const pid of left) trySignal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (left.some(pidAlive)) {
    if (Date.now() > killDeadline) throw new Error(`processes survived SIGKILL: ${left.filter(pidAlive).join(', ')}`);
    await sleep(20);
  }
}

export interface Spawned extends ProcessRecord {
  child: ChildProcess;
}

/**
 * Starts a long-running process in the background: its own process group (a Ctrl-C of the CLI or
 * the end of a test does not reach it), stdout and stderr appended to `log`, not waited for by
 * this process. `down` ends it.
 */
export function spawnDetached(argv: string[], log: string, env: NodeJS.ProcessEnv = process.env): Spawned {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('empty command');
  mkdirSync(dirname(log), { recursive: true });
  const fd = openSync(log, 'a', 0o600);
  writeSync(fd, `--- ${new Date().toISOString()} ${JSON.stringify(argv)}\n`);
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env });
  } finally {
    closeSync(fd);
  }
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  // The error event (e.g. ENOENT) must not crash the caller; the exit shows in waitForFile.
  child.on('error', () => {});
  return { pid: child.pid, startTime: processStartTime(child.pid) ?? 0, log, child };
}

export function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Waits until `path` exists with JSON content, failing early when the process `pid` is gone. */
export async function waitForJsonFile<T>(path: string, pid: number, log: string, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch (e) {
      // Not there yet (ENOENT) or written in pieces (SyntaxError): look again.
      if (!(e instanceof SyntaxError) && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (!pidAlive(pid)) throw new Error(`process ${pid} exited before it was ready; log ${log}:\n${tail(log)}`);
    if (Date.now() > deadline) throw new Error(`process ${pid} not ready after ${timeoutMs} ms; log ${log}:\n${tail(log)}`);
    await sleep(15);
  }
}

/** Polls `check` until it returns a value other than undefined/false. */
export async function waitUntil<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
