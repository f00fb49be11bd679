// The purelb-e2e CLI as a person or script drives it (the built e2e/dist/cli.js): up prints the
// state, status reports processes, start-agent/kill-agent run and signal a command in a node
// namespace, exec runs a command there, down removes the run.
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { CLI, alive, netnsNames, tempStateDir, uniquePrefix } from './support.js';

const execFileP = promisify(execFile);

describe('purelb-e2e CLI', () => {
  it('brings a cluster up, drives an agent in it and takes it down', async () => {
    const prefix = uniquePrefix();
    const stateDir = tempStateDir();
    const cli = async (...args: string[]) => {
      const { stdout } = await execFileP(process.execPath, [CLI, '--prefix', prefix, '--state-dir', stateDir, ...args]);
      return JSON.parse(stdout);
    };
    try {
      const upOut = await cli('up', '--nodes', '2');
      expect(upOut.phase).toBe('ready');
      expect(upOut.kubeconfig.host).toMatch(/kubeconfig-host$/);
      expect(upOut.kubeconfig.inner).toMatch(/kubeconfig$/);
      expect(upOut.nodes.map((n: { name: string; namespace: string; ipv4: string }) => [n.name, n.namespace, n.ipv4])).toEqual([
        ['node1', `${prefix}node1`, '198.51.100.11'],
        ['node2', `${prefix}node2`, '198.51.100.12'],
      ]);
      expect(JSON.parse(readFileSync(upOut.state, 'utf8')).prefix).toBe(prefix);

      const started = await cli('start-agent', 'node1', '--env', 'GREETING=hi', '--', 'sh', '-c', 'echo "$GREETING from $NODE_NAME"; exec sleep 600');
      expect(started).toMatchObject({ node: 'node1' });
      let status = await cli('status');
      expect(status.running).toMatchObject({ controlPlane: true, hostRelay: true, agents: { node1: started.pid, node2: null } });
      expect(Object.values(status.running.namespaces)).toEqual([true, true, true, true, true, true]);
      expect(await cli('kill-agent', 'node1', '--signal', 'KILL')).toEqual({ node: 'node1', wasRunning: true, exited: true });
      expect(alive(started.pid)).toBe(false);
      expect(readFileSync(started.log, 'utf8')).toContain('hi from node1');

      // Without a command, start-agent repeats the node's last one.
      const again = await cli('start-agent', 'node1');
      expect(again.pid).not.toBe(started.pid);
      status = await cli('status');
      expect(status.running.agents.node1).toBe(again.pid);
      expect(await cli('kill-agent', 'node1', '--signal', 'TERM')).toEqual({ node: 'node1', wasRunning: true, exited: true });

      // exec runs inside the namespace: the node's eth0 has its LAN address.
      const { stdout } = await execFileP(process.execPath, [CLI, '--prefix', prefix, '--state-dir', stateDir, 'exec', 'node2', '--', 'ip', '-json', 'addr', 'show', 'dev', 'eth0']);
      expect(JSON.parse(stdout)[0].addr_info.map((a: { local: string }) => a.local)).toContain('198.51.100.12');

      // A node that does not exist is an error with a message, not a crash.
      const bad = await execFileP(process.execPath, [CLI, '--prefix', prefix, '--state-dir', stateDir, 'kill-agent', 'node9']).catch((e: { code: number; stderr: string }) => e);
      expect(bad).toMatchObject({ code: 1, stderr: expect.stringContaining('no node node9') });
    } finally {
      const downOut = await cli('down');
      expect(downOut.namespaces).toHaveLength(6);
      rmSync(stateDir, { recursive: true, force: true });
    }
    expect(netnsNames().filter((n) => n.startsWith(prefix))).toEqual([]);
  }, 60000);
});
