// Two allocator processes (the built dist/main.js) with leader election: only the leader writes, and
// when it is killed the other takes over and keeps allocating without handing an address out twice.
import { describe, it, expect, afterEach } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Resources } from '@purelb/shared';
import { createGroup, createService, getService, ingressOf, startCluster, waitFor, waitForIngress, type TestCluster } from './support/cluster.js';

const MAIN = join(process.cwd(), 'packages/allocator/dist/main.js');
let cluster: TestCluster | undefined;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  children.length = 0;
  await cluster?.stop();
  cluster = undefined;
});

function startReplica(identity: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [MAIN, '--kubeconfig', cluster!.kube.kubeconfigPath, '--namespace', 'purelb', '--identity', identity, '--health-port', '0', '--health-host', '127.0.0.1', '--lease-duration', '2s', '--renew-deadline', '1500ms', '--retry-period', '200ms', '--log-level', 'warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(child);
  return child;
}

async function leaseHolder(): Promise<string | undefined> {
  try {
    const lease: any = await cluster!.client.get(Resources.leases, 'purelb-allocator', 'purelb');
    return lease.spec?.holderIdentity;
  } catch {
    return undefined;
  }
}

describe('allocator high availability', () => {
  it('fails over to the standby replica when the leader is killed', async () => {
    expect(existsSync(MAIN)).toBe(true); // built by `make test` before the tests run
    cluster = await startCluster();
    await createGroup(cluster, 'default', { local: { v4pool: { subnet: '192.168.1.0/24', pool: '192.168.1.240-192.168.1.250', aggregation: 'default' } } });
    const replicas = { a: startReplica('replica-a'), b: startReplica('replica-b') };
    await createService(cluster, 'first');
    expect(ingressOf(await waitForIngress(cluster, 'first'))).toEqual(['192.168.1.240']);
    let leader: string | undefined;
    await waitFor(async () => (leader = await leaseHolder()) !== undefined);
    const killed = leader === 'replica-a' ? replicas.a : replicas.b;
    const survivor = leader === 'replica-a' ? 'replica-b' : 'replica-a';
    killed.kill('SIGKILL');
    await createService(cluster, 'second');
    const second = await waitForIngress(cluster, 'second', 1, 'default');
    expect(ingressOf(second)).toEqual(['192.168.1.241']);
    expect(await leaseHolder()).toBe(survivor);
    expect(ingressOf(await getService(cluster, 'first'))).toEqual(['192.168.1.240']);
  }, 30_000);
});
