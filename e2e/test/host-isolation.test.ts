// SPEC §9 test network rules, checked on a real run: up/down leave the host namespace's routes,
// links and addresses exactly as they were, and the host namespace has no socket to a test address:
// it reaches the API server only via 127.0.0.1 and a Unix socket.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
// Imported by package name, as other packages' tests and benchmarks will (jest maps it to e2e/src).
import { down, up, waitUntil, LAN_IPV4_PREFIX, LAN_IPV6_PREFIX } from '@purelb/e2e';
import { hostNetSnapshot, tempStateDir, uniquePrefix } from './support.js';

describe('host namespace isolation', () => {
  it('keeps the host routing tables, links and addresses unchanged through up, traffic and down', async () => {
    const prefix = uniquePrefix();
    const stateDir = tempStateDir();
    const before = hostNetSnapshot();
    const cluster = await up({ nodes: 3, prefix, stateDir });
    try {
      const pod = await cluster.startEchoPod('node1', 7000);
      expect(await cluster.connect(pod.ipv4, 7000, { send: 'x' })).toMatchObject({ ok: true, reply: 'x' });
      expect(await cluster.connect(pod.ipv6, 7000, { send: 'y' })).toMatchObject({ ok: true, reply: 'y' });
      await cluster.apiRequest('GET', '/api/v1/nodes');
      expect(hostNetSnapshot()).toEqual(before);

      // An API watch in flight (1 s): the host side of it is 127.0.0.1 → relay → Unix socket; the
      // host namespace holds no socket with a test address at any time.
      const watch = cluster.apiRequest('GET', '/api/v1/nodes?watch=true&timeoutSeconds=1');
      await waitUntil('the watch connection on the relay', () => execFileSync('ss', ['-Htn', 'state', 'established'], { encoding: 'utf8' }).includes(`127.0.0.1:${cluster.state.hostRelay!.port}`));
      const sockets = execFileSync('ss', ['-Hantu'], { encoding: 'utf8' });
      expect(sockets).not.toContain(`${LAN_IPV4_PREFIX}.`);
      expect(sockets).not.toContain(LAN_IPV6_PREFIX);
      await watch;
    } finally {
      await down({ prefix, stateDir });
      rmSync(stateDir, { recursive: true, force: true });
    }
    expect(hostNetSnapshot()).toEqual(before);
  }, 60000);
});
