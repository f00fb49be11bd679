// The allocator controller, black-box against testkube: create objects, observe the API.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
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

let cluster: TestCluster;
let running: RunningController | undefined;

beforeEach(async () => {
  cluster = await startCluster({ dualStack: true });
  await createGroup(cluster, 'default', { local: { v4pool: { subnet: '192.168.1.0/24', pool: '192.168.1.240-192.168.1.250', aggregation: 'default' } } });
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
  await cluster.stop();
});

describe('allocation', () => {
  it('gives a kubectl-expose-style Service the first address of default, with finalizer, annotations and event', async () => {
    running = runController(cluster);
    await createService(cluster, 'web');
    const svc = await waitForIngress(cluster, 'web');
    expect(svc.status.loadBalancer.ingress).toEqual([{ ip: '192.168.1.240', ipMode: 'VIP' }]);
    expect(svc.metadata.annotations['purelb.io/allocated-by']).toBe('PureLB');
    expect(svc.metadata.annotations['purelb.io/allocated-from']).toBe('default');
    expect(svc.metadata.finalizers).toEqual(['service.kubernetes.io/load-balancer-cleanup']);
    const ev = await waitForEvent(cluster, 'Service', 'web', 'default', 'IPAllocated');
    expect(ev).toEqual({ reason: 'IPAllocated', type: 'Normal', message: 'Assigned IP 192.168.1.240 from pool default', count: 1 });
  });

  it('takes the group named by purelb.io/service-group', async () => {
    await createGroup(cluster, 'blue', { local: { v4pool: { subnet: '10.10.0.0/24', pool: '10.10.0.10-10.10.0.20', aggregation: '/32' } } });
    running = runController(cluster);
    await createService(cluster, 'web', { annotations: { 'purelb.io/service-group': 'blue' } });
    const svc = await waitForIngress(cluster, 'web');
    expect(ingressOf(svc)).toEqual(['10.10.0.10']);
    expect(svc.metadata.annotations['purelb.io/allocated-from']).toBe('blue');
  });

  it('honours purelb.io/addresses for IPv4, IPv6 and both', async () => {
    await createGroup(cluster, 'dual', {
      local: {
        v4pool: { subnet: '10.20.0.0/24', pool: '10.20.0.0/24', aggregation: 'default' },
        v6pool: { subnet: 'fd53:9ef0:8683::/120', pool: 'fd53:9ef0:8683::-fd53:9ef0:8683::ff', aggregation: 'default' },
      },
    });
    running = runController(cluster);
    await createService(cluster, 'v4', { annotations: { 'purelb.io/addresses': '10.20.0.77' } });
    await createService(cluster, 'v6', { annotations: { 'purelb.io/addresses': 'fd53:9ef0:8683::42' }, spec: { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' } });
    await createService(cluster, 'both', {
      annotations: { 'purelb.io/addresses': '10.20.0.78,fd53:9ef0:8683::43' },
      spec: { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' },
    });
    expect(ingressOf(await waitForIngress(cluster, 'v4'))).toEqual(['10.20.0.77']);
    expect(ingressOf(await waitForIngress(cluster, 'v6'))).toEqual(['fd53:9ef0:8683::42']);
    expect(ingressOf(await waitForIngress(cluster, 'both', 2))).toEqual(['10.20.0.78', 'fd53:9ef0:8683::43']);
  });

  it('honours spec.loadBalancerIP inside a pool with a DeprecationWarning, and refuses one outside every pool', async () => {
    running = runController(cluster);
    await createService(cluster, 'inside', { spec: { loadBalancerIP: '192.168.1.245' } });
    expect(ingressOf(await waitForIngress(cluster, 'inside'))).toEqual(['192.168.1.245']);
    await waitForEvent(cluster, 'Service', 'inside', 'default', 'DeprecationWarning');
    await createService(cluster, 'outside', { spec: { loadBalancerIP: '172.16.0.1' } });
    const ev = await waitForEvent(cluster, 'Service', 'outside', 'default', 'AllocationFailed');
    expect(ev.type).toBe('Warning');
    expect(ev.message).toBe('address 172.16.0.1 is outside every pool');
    expect(ingressOf(await getService(cluster, 'outside'))).toEqual([]);
  });
});

describe('sharing', () => {
  it('puts two Services with the same key and different ports on one address, and refuses the same port', async () => {
    running = runController(cluster);
    const share = { 'purelb.io/allow-shared-ip': 'team', 'purelb.io/addresses': '192.168.1.247' };
    await createService(cluster, 'svc-80', { annotations: share, ports: [{ port: 80 }] });
    await createService(cluster, 'svc-81', { annotations: share, ports: [{ port: 81 }] });
    expect(ingressOf(await waitForIngress(cluster, 'svc-80'))).toEqual(['192.168.1.247']);
    expect(ingressOf(await waitForIngress(cluster, 'svc-81'))).toEqual(['192.168.1.247']);
    await createService(cluster, 'svc-80-again', { annotations: share, ports: [{ port: 80 }] });
    const ev = await waitForEvent(cluster, 'Service', 'svc-80-again', 'default', 'AllocationFailed');
    expect(ev.message).toMatch(/^port TCP\/80 on 192\.168\.1\.247 is used by default\/svc-80$/);
  });

  it('refuses sharing when a Service has externalTrafficPolicy Local', async () => {
    running = runController(cluster);
    const share = { 'purelb.io/allow-shared-ip': 'team', 'purelb.io/addresses': '192.168.1.248' };
    await createService(cluster, 'plain', { annotations: share, ports: [{ port: 80 }] });
    await waitForIngress(cluster, 'plain');
    await createService(cluster, 'local', { annotations: share, ports: [{ port: 81 }], spec: { externalTrafficPolicy: 'Local' } });
    const ev = await waitForEvent(cluster, 'Service', 'local', 'default', 'AllocationFailed');
    expect(ev.message).toContain('externalTrafficPolicy Local');
  });
});

describe('exhaustion, release and lifecycle', () => {
  it('lets a pending Service in as soon as a delete frees an address', async () => {
    await cluster.client.patchMerge(ServiceGroups, 'default', 'purelb', { spec: { local: { v4pool: { subnet: '192.168.1.0/24', pool: '192.168.1.240-192.168.1.241', aggregation: 'default' } } } });
    running = runController(cluster);
    await createService(cluster, 'a');
    await createService(cluster, 'b');
    await waitForIngress(cluster, 'a');
    await waitForIngress(cluster, 'b');
    await createService(cluster, 'c');
    const ev = await waitForEvent(cluster, 'Service', 'c', 'default', 'AllocationFailed');
    expect(ev.message).toBe('pool default exhausted');
    const freed = ingressOf(await getService(cluster, 'a'))[0];
    await cluster.client.delete(Resources.services, 'a', 'default');
    const c = await waitForIngress(cluster, 'c', 1);
    expect(ingressOf(c)).toEqual([freed]);
    await waitFor(async () => {
      try {
        await getService(cluster, 'a');
        return false;
      } catch {
        return true; // the finalizer was removed after the release
      }
    });
  });

  it('releases the address and cleans up when the type changes to ClusterIP', async () => {
    running = runController(cluster);
    await createService(cluster, 'web');
    await waitForIngress(cluster, 'web');
    await cluster.client.patchMerge(Resources.services, 'web', 'default', { spec: { type: 'ClusterIP' } });
    await waitFor(async () => {
      const svc = await getService(cluster, 'web');
      return !svc.metadata.finalizers && !svc.metadata.annotations?.['purelb.io/allocated-by'];
    });
    const svc = await getService(cluster, 'web');
    expect(ingressOf(svc)).toEqual([]);
    await waitForEvent(cluster, 'Service', 'web', 'default', 'AddressReleased', /^Released IP 192\.168\.1\.240: /);
  });

  it('ignores Services of another loadBalancerClass and those with purelb.io/ignore', async () => {
    running = runController(cluster);
    await createService(cluster, 'other', { spec: { loadBalancerClass: 'example.com/other' } });
    await createService(cluster, 'ignored', { annotations: { 'purelb.io/ignore': 'true' } });
    await createService(cluster, 'ours');
    await waitForIngress(cluster, 'ours');
    expect(await staysFalse(async () => ingressOf(await getService(cluster, 'other')).length > 0 || ingressOf(await getService(cluster, 'ignored')).length > 0)).toBe(true);
    expect((await getService(cluster, 'other')).metadata.finalizers).toBeUndefined();
    expect(await eventsFor(cluster, 'Service', 'other', 'default')).toEqual([]);
  });

  it('refuses RequireDualStack against a v4-only group, wholly', async () => {
    running = runController(cluster);
    await createService(cluster, 'dual', { spec: { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' } });
    const ev = await waitForEvent(cluster, 'Service', 'dual', 'default', 'AllocationFailed');
    expect(ev.message).toMatch(/^dual stack impossible/);
    expect(ingressOf(await getService(cluster, 'dual'))).toEqual([]);
  });
});

describe('ServiceGroups', () => {
  it('never uses a namespace-restricted group for other namespaces', async () => {
    await createGroup(cluster, 'team-a-only', { namespaces: ['team-a'], local: { v4pool: { subnet: '10.30.0.0/24', pool: '10.30.0.1-10.30.0.9', aggregation: 'default' } } });
    running = runController(cluster);
    await createService(cluster, 'mine', { namespace: 'team-a' });
    expect(ingressOf(await waitForIngress(cluster, 'mine', 1, 'team-a'))).toEqual(['10.30.0.1']);
    await createService(cluster, 'theirs', { namespace: 'team-b', annotations: { 'purelb.io/service-group': 'team-a-only' } });
    const ev = await waitForEvent(cluster, 'Service', 'theirs', 'team-b', 'AllocationFailed');
    expect(ev.message).toContain('team-b');
  });

  it('keeps serving the last valid configuration when an edit is invalid, with ParseFailed and Valid=False', async () => {
    running = runController(cluster);
    await createService(cluster, 'before');
    await waitForIngress(cluster, 'before');
    // Passes the schema (a well-formed range) but not the parser: the pool lies outside its subnet.
    await cluster.client.patchMerge(ServiceGroups, 'default', 'purelb', { spec: { local: { v4pool: { subnet: '192.168.1.0/24', pool: '192.168.2.1-192.168.2.5', aggregation: 'default' } } } });
    const ev = await waitForEvent(cluster, 'ServiceGroup', 'default', 'purelb', 'ParseFailed');
    expect(ev.type).toBe('Warning');
    await waitFor(async () => {
      const sg: any = await cluster.client.get(ServiceGroups, 'default', 'purelb');
      return sg.status?.conditions?.[0]?.type === 'Valid' && sg.status.conditions[0].status === 'False';
    });
    await createService(cluster, 'after');
    expect(ingressOf(await waitForIngress(cluster, 'after'))).toEqual(['192.168.1.241']);
  });

  it('keeps ServiceGroup status counts current', async () => {
    running = runController(cluster);
    await createService(cluster, 'one');
    await waitForIngress(cluster, 'one');
    await waitFor(async () => {
      const sg: any = await cluster.client.get(ServiceGroups, 'default', 'purelb');
      return sg.status?.allocatedIPv4 === 1 && sg.status?.availableIPv4 === 10;
    });
  });
});

describe('restart safety', () => {
  it('rebuilds allocations at start and never hands an address out twice', async () => {
    running = runController(cluster);
    for (const n of ['s1', 's2', 's3']) await createService(cluster, n);
    for (const n of ['s1', 's2', 's3']) await waitForIngress(cluster, n);
    await running.stop();
    // While the allocator is down: one Service goes, two arrive.
    await createService(cluster, 's4');
    await createService(cluster, 's5');
    running = runController(cluster);
    for (const n of ['s4', 's5']) await waitForIngress(cluster, n);
    const all = await Promise.all(['s1', 's2', 's3', 's4', 's5'].map(async (n) => ingressOf(await getService(cluster, n))[0]));
    expect(new Set(all).size).toBe(5);
    expect(all.slice(0, 3)).toEqual(['192.168.1.240', '192.168.1.241', '192.168.1.242']);
  });
});
