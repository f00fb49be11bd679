// `down` removes everything a run made: after a normal run, after the CLI was killed in the middle of
// `up`, when the state file is gone (found by the name prefix and the run directory alone), and when
// `up` itself fails. Every test runs in `withRun`, whose final `down` also cleans up after a failed
// assertion (a second `down` finds nothing, which the first test checks).
import { describe, expect, it } from '@jest/globals';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { down, up, waitUntil, type ClusterState } from '../src/index.js';
import { CLI, alive, hostNetSnapshot, netnsNames, tempStateDir, uniquePrefix } from './support.js';

const execFileP = promisify(execFile);

function ours(prefix: string): string[] {
  return netnsNames().filter((n) => n.startsWith(prefix));
}

async function withRun(fn: (prefix: string, stateDir: string) => Promise<void>): Promise<void> {
  const prefix = uniquePrefix();
  const stateDir = tempStateDir();
  try {
    await fn(prefix, stateDir);
  } finally {
    await down({ prefix, stateDir });
    rmSync(stateDir, { recursive: true, force: true });
  }
}

describe('down', () => {
  it('leaves no namespace, link, process or file of the run behind', () =>
    withRun(async (prefix, stateDir) => {
      const before = hostNetSnapshot();
      const cluster = await up({ nodes: 3, prefix, stateDir });
      const pod = await cluster.startEchoPod('node1', 9000);
      const agent = cluster.startAgent('node3', 'sleep', ['600']);
      const capture = await cluster.startCapture(['tcp']);
      const s = cluster.state;
      const pids = [s.controlPlane.process!.pid, s.hostRelay!.pid, pod.pid, agent.pid, capture.pid];
      expect(pids.every(alive)).toBe(true);
      expect(ours(prefix)).toHaveLength(7);

      const report = await down({ prefix, stateDir });
      expect(report.namespaces.sort()).toEqual([`${prefix}client`, `${prefix}cp`, `${prefix}lan`, `${prefix}node1`, `${prefix}node2`, `${prefix}node3`, `${prefix}router`]);
      expect(ours(prefix)).toEqual([]);
      expect(pids.filter(alive)).toEqual([]);
      expect(existsSync(cluster.runDir)).toBe(false);
      // The LAN bridge and every veth lived only inside the run's namespaces: the host's links are as before.
      expect(hostNetSnapshot().links).toEqual(before.links);
      // A second down finds nothing and does not fail.
      expect(await down({ prefix, stateDir })).toMatchObject({ namespaces: [], processes: [] });
    }), 60000);

  it('keeps only the logs with keepLogs', () =>
    withRun(async (prefix, stateDir) => {
      const cluster = await up({ nodes: 1, prefix, stateDir });
      await down({ prefix, stateDir, keepLogs: true });
      expect(ours(prefix)).toEqual([]);
      expect(readFileSync(join(cluster.runDir, 'logs', 'controlplane.log'), 'utf8')).toContain('testkube serving on https://198.51.100.2:6443');
      expect(existsSync(cluster.statePath)).toBe(false);
    }), 60000);

  // The CLI is killed with SIGKILL at each step of `up` (held there by PURELB_E2E_HOLD_AT, so the
  // kill lands in the middle deterministically); `down` from a new CLI process cleans up.
  it.each(['network', 'control-plane', 'nodes'])('cleans up after the CLI was killed during up (after phase %s)', (phase) => {
    let cli: ChildProcess | undefined;
    return withRun(async (prefix, stateDir) => {
      const statePath = join(stateDir, prefix.replace(/-$/, ''), 'state.json');
      cli = spawn(process.execPath, [CLI, 'up', '--nodes', '3', '--prefix', prefix, '--state-dir', stateDir], {
        env: { ...process.env, PURELB_E2E_HOLD_AT: phase },
        stdio: 'ignore',
      });
      const exited = new Promise<NodeJS.Signals | null>((r) => cli!.on('exit', (_code, signal) => r(signal)));
      const state = await waitUntil(
        `state file at phase ${phase}`,
        () => {
          if (!existsSync(statePath)) return undefined;
          const s = JSON.parse(readFileSync(statePath, 'utf8')) as ClusterState;
          return s.phase === phase ? s : undefined;
        },
        30000,
      );
      cli.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      // Left behind by the crash: all namespaces, and from the control-plane phase on its processes.
      expect(ours(prefix)).toHaveLength(7);
      const pids = [state.controlPlane.process?.pid, state.hostRelay?.pid].filter((p): p is number => p !== undefined);
      expect(pids).toHaveLength(phase === 'network' ? 0 : 2);
      expect(pids.every(alive)).toBe(true);
      // A new up with the same prefix refuses to build over the leftovers.
      await expect(up({ nodes: 1, prefix, stateDir })).rejects.toThrow(/run down first/);

      const { stdout } = await execFileP(process.execPath, [CLI, 'down', '--prefix', prefix, '--state-dir', stateDir]);
      expect(JSON.parse(stdout).namespaces).toHaveLength(7);
      expect(ours(prefix)).toEqual([]);
      expect(pids.filter(alive)).toEqual([]);
      expect(existsSync(statePath)).toBe(false);
    }).finally(() => cli?.kill('SIGKILL'));
  }, 60000);

  it('finds everything by prefix and run directory when the state file is gone', () =>
    withRun(async (prefix, stateDir) => {
      const cluster = await up({ nodes: 2, prefix, stateDir });
      const pod = await cluster.startEchoPod('node2', 9001);
      const s = cluster.state;
      const pids = [s.controlPlane.process!.pid, s.hostRelay!.pid, pod.pid];
      unlinkSync(cluster.statePath);

      const report = await down({ prefix, stateDir });
      expect(report.namespaces).toHaveLength(6);
      // The host relay is outside every namespace: found by its --run-dir argument.
      expect(report.processes).toContain(s.hostRelay!.pid);
      expect(ours(prefix)).toEqual([]);
      expect(pids.filter(alive)).toEqual([]);
    }), 60000);

  it('ends processes that ignore SIGTERM with SIGKILL after the grace period', () =>
    withRun(async (prefix, stateDir) => {
      const cluster = await up({ nodes: 1, prefix, stateDir });
      // An ignored signal stays ignored across exec, so both sh and sleep ignore SIGTERM; "trapped"
      // tells that the trap is in place (a TERM before it would still end the shell).
      const stubborn = cluster.startAgent('node1', 'sh', ['-c', "trap '' TERM; echo trapped; exec sleep 600"]);
      await waitUntil('the trap', () => readFileSync(stubborn.log, 'utf8').split('\n').includes('trapped'));
      expect(await cluster.killAgent('node1', 'TERM', { timeoutMs: 300 })).toEqual({ wasRunning: true, exited: false });
      await down({ prefix, stateDir, graceMs: 300 });
      expect(await stubborn.exited).toMatchObject({ signal: 'SIGKILL' });
      expect(ours(prefix)).toEqual([]);
    }), 60000);

  it('is what a failing up does before it rejects', () =>
    withRun(async (prefix, stateDir) => {
      // Port 70000 does not exist: the control plane exits at start, after the network was built.
      await expect(up({ nodes: 2, prefix, stateDir, apiPort: 70000 })).rejects.toThrow(/exited before it was ready/);
      expect(ours(prefix)).toEqual([]);
      expect(existsSync(join(stateDir, prefix.replace(/-$/, '')))).toBe(false);
    }), 60000);

  it('never touches another run whose prefix starts with the same letters', () =>
    withRun(async (prefix, stateDir) => {
      const longer = `${prefix}x-`;
      try {
        await up({ nodes: 1, prefix: longer, stateDir });
        await down({ prefix, stateDir });
        expect(ours(longer)).toHaveLength(5);
      } finally {
        await down({ prefix: longer, stateDir });
      }
      expect(ours(longer)).toEqual([]);
    }), 60000);
});
