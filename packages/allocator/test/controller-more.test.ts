// More allocator scenarios against testkube: dual stack transitions, ServiceGroup edits, classes,
// adoption, API faults and the restart/no-duplicate guarantee.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Resources } from '@purelb/shared';
import {
  createGroup,
  createService,
  eventsFor,
  getService,
  ingressOf,
  runController,
  startCluster,
  staysFalse,
  waitFor,
  waitForEvent,
  waitForIngress,
  type RunningController,
  type TestCluster,
} from './support/cluster.js';
import { ServiceGroups } from '../src/controller/controller.js';
import { kubectlBinary } from '@purelb/testkube';

let cluster: TestCluster;
let running: RunningController | undefined;

const DUAL = {
  local: {
    v4pool: { subnet: '10.20.0.0/24', pool: '10.20.0.10-10.20.0.19', aggregation: 'default' },
    v6pool: { subnet: 'fd53:9ef0:8683::/120', pool: 'fd53:9ef0:8683::10-fd53:9ef0:8683::1f', aggregation: 'default' },
  },
};

beforeEach(async () => {
  cluster = await startCluster({ dualStack: true });
  await createGroup(cluster, 'default', { local: { v4pool: { subnet: '192.168.1.0/24', pool: '192.168.1.240-192.168.1.250', aggregation: 'default' } } });
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
  await cluster.stop();
});

describe('dual stack', () => {
  it('PreferDualStack takes both families where the group has them, and IPv4 alone where it has not', async () => {
    await createGroup(cluster, 'dual', DUAL);
    running = runController(cluster);
    const prefer = { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' };
    await createService(cluster, 'both', { annotations: { 'purelb.io/service-group': 'dual' }, spec: prefer });
    await createService(cluster, 'v4only', { spec: prefer });
    expect(ingressOf(await waitForIngress(cluster, 'both', 2))).toEqual(['10.20.0.10', 'fd53:9ef0:8683::10']);
    expect(ingressOf(await waitForIngress(cluster, 'v4only', 1))).toEqual(['192.168.1.240']);
  });

  it('adds the missing family on single→dual and releases it on dual→single', async () => {
    await createGroup(cluster, 'dual', DUAL);
    running = runController(cluster);
    await createService(cluster, 'grow', { annotations: { 'purelb.io/service-group': 'dual' } });
    expect(ingressOf(await waitForIngress(cluster, 'grow', 1))).toEqual(['10.20.0.10']);
    await cluster.client.patchMerge(Resources.services, 'grow', 'default', { spec: { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] } });
    expect(ingressOf(await waitForIngress(cluster, 'grow', 2))).toEqual(['10.20.0.10', 'fd53:9ef0:8683::10']);
    await cluster.client.patchMerge(Resources.services, 'grow', 'default', { spec: { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] } });
    expect(ingressOf(await waitForIngress(cluster, 'grow', 1))).toEqual(['10.20.0.10']);
  });
});

describe('ServiceGroup edits', () => {
  it('lets a pending Service in when the pool grows', async () => {
    await cluster.client.patchMerge(ServiceGroups, 'default', 'purelb', { spec: { local: { v4pool: { pool: '192.168.1.240-192.168.1.240' } } } });
    running = runController(cluster);
    await createService(cluster, 'a');
    await waitForIngress(cluster, 'a');
    await createService(cluster, 'b');
    await waitForEvent(cluster, 'Service', 'b', 'default', 'AllocationFailed', 'pool default exhausted');
    await cluster.client.patchMerge(ServiceGroups, 'default', 'purelb', { spec: { local: { v4pool: { pool: '192.168.1.240-192.168.1.241' } } } });
    expect(ingressOf(await waitForIngress(cluster, 'b'))).toEqual(['192.168.1.241']);
  });

  it('keeps an address a shrink orphaned, warns, and moves it on purelb.io/re-evaluate (then drops the annotation)', async () => {
    running = runController(cluster);
    await createService(cluster, 'a');
    await createService(cluster, 'b');
    await waitForIngress(cluster, 'a');
    const b = await waitForIngress(cluster, 'b');
    expect(ingressOf(b)).toEqual(['192.168.1.241']);
    await cluster.client.patchMerge(ServiceGroups, 'default', 'purelb', { spec: { local: { v4pool: { pool: '192.168.1.240-192.168.1.240' } } } });
    await waitForEvent(cluster, 'Service', 'b', 'default', 'AllocationFailed', /192\.168\.1\.241/);
    expect(ingressOf(await getService(cluster, 'b'))).toEqual(['192.168.1.241']);
    await cluster.client.patchMerge(ServiceGroups, 'default', 'purelb', { spec: { local: { v4pool: { pool: '192.168.1.240-192.168.1.245' } } } });
    await cluster.client.patchMerge(Resources.services, 'a', 'default', { metadata: { annotations: { 'purelb.io/re-evaluate': 'true' } } });
    await waitFor(async () => (await getService(cluster, 'a')).metadata.annotations?.['purelb.io/re-evaluate'] === undefined);
    expect(ingressOf(await getService(cluster, 'a'))).toEqual(['192.168.1.240']);
  });

  it('prefers the lowest-priority group that lists the namespace', async () => {
    await createGroup(cluster, 'low', { namespaces: ['team-a'], priority: 5, local: { v4pool: { subnet: '10.40.0.0/24', pool: '10.40.0.1-10.40.0.5', aggregation: 'default' } } });
    await createGroup(cluster, 'high', { namespaces: ['team-a'], priority: 50, local: { v4pool: { subnet: '10.50.0.0/24', pool: '10.50.0.1-10.50.0.5', aggregation: 'default' } } });
    running = runController(cluster);
    await createService(cluster, 'svc', { namespace: 'team-a' });
    const svc = await waitForIngress(cluster, 'svc', 1, 'team-a');
    expect(ingressOf(svc)).toEqual(['10.40.0.1']);
    expect(svc.metadata.annotations['purelb.io/allocated-from']).toBe('low');
  });

  it('ignores ServiceGroups outside the install namespace, with a Warning', async () => {
    await createGroup(cluster, 'stray', { local: { v4pool: { subnet: '10.60.0.0/24', pool: '10.60.0.1-10.60.0.5', aggregation: 'default' } } }, 'team-a');
    running = runController(cluster);
    const ev = await waitForEvent(cluster, 'ServiceGroup', 'stray', 'team-a', 'ParseFailed');
    expect(ev.message).toBe('ServiceGroup ignored: only ServiceGroups in namespace purelb are read');
    await createService(cluster, 'svc', { annotations: { 'purelb.io/service-group': 'stray' } });
    await waitForEvent(cluster, 'Service', 'svc', 'default', 'AllocationFailed', 'service group stray does not exist');
  });

  it('skips .0 and .255 with avoidBuggyIPs', async () => {
    await createGroup(cluster, 'buggy', { avoidBuggyIPs: true, local: { v4pool: { subnet: '10.70.0.0/23', pool: '10.70.0.255-10.70.1.1', aggregation: 'default' } } });
    running = runController(cluster);
    await createService(cluster, 'one', { annotations: { 'purelb.io/service-group': 'buggy' } });
    expect(ingressOf(await waitForIngress(cluster, 'one'))).toEqual(['10.70.1.1']);
  });
});

describe('classes, conflicts and adoption', () => {
  it('with --lb-class-only handles only Services of its class', async () => {
    running = runController(cluster, { lbClassOnly: true });
    await createService(cluster, 'unclassed');
    await createService(cluster, 'classed', { spec: { loadBalancerClass: 'purelb.io/purelb' } });
    expect(ingressOf(await waitForIngress(cluster, 'classed'))).toEqual(['192.168.1.240']);
    expect(await staysFalse(async () => ingressOf(await getService(cluster, 'unclassed')).length > 0)).toBe(true);
  });

  it('refuses an address held by another Service without a sharing key, naming the holder', async () => {
    running = runController(cluster);
    await createService(cluster, 'first', { annotations: { 'purelb.io/addresses': '192.168.1.244' } });
    await waitForIngress(cluster, 'first');
    await createService(cluster, 'second', { annotations: { 'purelb.io/addresses': '192.168.1.244' } });
    await waitForEvent(cluster, 'Service', 'second', 'default', 'AllocationFailed', 'address 192.168.1.244 is held by default/first');
  });

  it('names a missing group', async () => {
    running = runController(cluster);
    await createService(cluster, 'lost', { annotations: { 'purelb.io/service-group': 'nope' } });
    await waitForEvent(cluster, 'Service', 'lost', 'default', 'AllocationFailed', 'service group nope does not exist');
  });

  it('adopts an address another load balancer left in status (migration)', async () => {
    await createService(cluster, 'migrated');
    await cluster.client.patchStatus(Resources.services, 'migrated', 'default', { status: { loadBalancer: { ingress: [{ ip: '192.168.1.249' }] } } });
    running = runController(cluster);
    await waitFor(async () => (await getService(cluster, 'migrated')).metadata.annotations?.['purelb.io/allocated-by'] === 'PureLB');
    expect(ingressOf(await getService(cluster, 'migrated'))).toEqual(['192.168.1.249']);
  });

  it('retries through API failures and still allocates', async () => {
    running = runController(cluster);
    await waitFor(() => running!.controller.isReady());
    cluster.kube.faults.failNextWrites(3, 500);
    // Created behind the HTTP layer so that the injected failures hit the allocator's writes.
    const services = cluster.kube.server.registry.find('', 'v1', 'services')!;
    cluster.kube.server.rest.create(
      services,
      'default',
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'flaky' }, spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] } },
      { warnings: [], userAgent: 'test' },
    );
    expect(ingressOf(await waitForIngress(cluster, 'flaky'))).toEqual(['192.168.1.240']);
    expect(cluster.kube.faults.state().failWrites.count).toBe(0);
  });

  it('is not woken by annotation-only changes such as the node agents\' announcing annotation', async () => {
    running = runController(cluster);
    await createService(cluster, 'quiet');
    const before = await waitForIngress(cluster, 'quiet');
    await waitForEvent(cluster, 'Service', 'quiet', 'default', 'IPAllocated');
    const patched = await cluster.client.patchMerge(Resources.services, 'quiet', 'default', { metadata: { annotations: { 'purelb.io/announcing-IPv4': 'node1, eth0' } } });
    await new Promise((r) => setTimeout(r, 300));
    const after = await getService(cluster, 'quiet');
    expect(after.metadata.resourceVersion).toBe(patched.metadata!.resourceVersion);
    expect(ingressOf(after)).toEqual(ingressOf(before));
    expect((await eventsFor(cluster, 'Service', 'quiet', 'default')).filter((e) => e.reason === 'IPAllocated')).toHaveLength(1);
  });
});

describe('restarts and kubectl', () => {
  it('never duplicates an address when restarted repeatedly while Services are being created', async () => {
    const names: string[] = [];
    for (let round = 0; round < 4; round++) {
      running = runController(cluster);
      for (let i = 0; i < 2; i++) {
        const name = `r${round}-${i}`;
        names.push(name);
        await createService(cluster, name);
      }
      await new Promise((r) => setTimeout(r, 40 * round));
      await running.stop();
      running = undefined;
    }
    running = runController(cluster);
    for (const n of names) await waitForIngress(cluster, n);
    const ips = await Promise.all(names.map(async (n) => ingressOf(await getService(cluster, n))[0]));
    expect(new Set(ips).size).toBe(names.length);
  });

  it('kubectl describe service shows the annotations and events the way the seed documents do', async () => {
    running = runController(cluster);
    await createService(cluster, 'web');
    await waitForIngress(cluster, 'web');
    await waitForEvent(cluster, 'Service', 'web', 'default', 'IPAllocated');
    const { stdout } = await promisify(execFile)(kubectlBinary(), ['--kubeconfig', cluster.kube.kubeconfigPath, 'describe', 'service', 'web', '-n', 'default']);
    expect(stdout).toMatch(/Annotations:\s+purelb\.io\/allocated-by: PureLB\n\s+purelb\.io\/allocated-from: default/);
    expect(stdout).toMatch(/LoadBalancer Ingress:\s+192\.168\.1\.240 \(VIP\)/);
    expect(stdout).toMatch(/Normal\s+IPAllocated\s+\S+\s+purelb-allocator\s+Assigned IP 192\.168\.1\.240 from pool default/);
  });
});
