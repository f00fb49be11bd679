import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { startTestKube, type TestKube } from '@purelb/testkube';
import { EventRecorder, KubeClient, Resources, TokenBucket, type CoreEvent, type KubeObject } from '../src/index.js';

let kube: TestKube;
let client: KubeClient;
let service: KubeObject;
let counter = 0;

beforeAll(async () => {
  kube = await startTestKube();
  client = new KubeClient(kube.kubeConfig);
  await client.create(Resources.namespaces, { metadata: { name: 'ev' } });
  service = await client.create<KubeObject>(Resources.services, { metadata: { name: 'web', namespace: 'ev' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } } as KubeObject);
});
afterAll(async () => {
  await kube.stop();
});

async function eventsFor(name: string, namespace = 'ev'): Promise<CoreEvent[]> {
  const list = await client.list<CoreEvent>(Resources.events, { namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

/** A fresh Service (own rate-limit bucket, own events). */
async function newService(): Promise<KubeObject> {
  return client.create<KubeObject>(Resources.services, { metadata: { name: `svc-${++counter}`, namespace: 'ev' }, spec: { ports: [{ port: 80 }] } } as KubeObject);
}

describe('EventRecorder', () => {
  it('writes a core/v1 Event with source, reporting component and a full involvedObject', async () => {
    const recorder = new EventRecorder({ client, component: 'purelb-allocator', host: 'node1' });
    recorder.normal(service, 'AddressAssigned', 'Assigned 192.0.2.10 from pool default');
    await recorder.flush();
    const [event, ...more] = await eventsFor('web');
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({
      type: 'Normal',
      reason: 'AddressAssigned',
      message: 'Assigned 192.0.2.10 from pool default',
      count: 1,
      source: { component: 'purelb-allocator', host: 'node1' },
      reportingComponent: 'purelb-allocator',
      reportingInstance: 'node1',
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Service',
        namespace: 'ev',
        name: 'web',
        uid: service.metadata?.uid,
        resourceVersion: service.metadata?.resourceVersion,
      },
    });
    expect(event?.metadata?.name).toMatch(/^web\.[0-9a-f]+$/);
    expect(event?.firstTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(event?.lastTimestamp).toBe(event?.firstTimestamp);
  });

  it('aggregates repeats into one Event with count and lastTimestamp, like client-go', async () => {
    const svc = await newService();
    let now = new Date('2026-11-24T18:00:00Z');
    const recorder = new EventRecorder({ client, component: 'purelb-allocator', now: () => now });
    recorder.warning(svc, 'AllocationFailed', 'no pool has a free address');
    now = new Date('2026-11-24T18:02:30Z');
    recorder.warning(svc, 'AllocationFailed', 'no pool has a free address');
    await recorder.flush();
    let events = await eventsFor(svc.metadata!.name!);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ count: 2, firstTimestamp: '2026-11-24T18:00:00Z', lastTimestamp: '2026-11-24T18:02:30Z', type: 'Warning' });

    now = new Date('2026-11-24T18:05:00Z');
    recorder.warning(svc, 'AllocationFailed', 'no pool has a free address');
    // A different message or type is a different event.
    recorder.warning(svc, 'AllocationFailed', 'pool "x" does not exist');
    recorder.normal(svc, 'AllocationFailed', 'no pool has a free address');
    await recorder.flush();
    events = await eventsFor(svc.metadata!.name!);
    expect(events).toHaveLength(3);
    const repeated = events.find((e) => e.type === 'Warning' && e.message === 'no pool has a free address');
    // kubectl describe shows this as "(x3 over 5m)".
    expect(repeated).toMatchObject({ count: 3, firstTimestamp: '2026-11-24T18:00:00Z', lastTimestamp: '2026-11-24T18:05:00Z' });
  });

  it('shows as "(x3 over 5m)" in kubectl describe', async () => {
    const svc = await newService();
    const real = Date.now();
    let now = new Date(real - 5 * 60_000);
    const recorder = new EventRecorder({ client, component: 'purelb-allocator', now: () => now });
    recorder.warning(svc, 'AllocationFailed', 'no pool has a free address');
    now = new Date(real - 2 * 60_000);
    recorder.warning(svc, 'AllocationFailed', 'no pool has a free address');
    now = new Date(real);
    recorder.warning(svc, 'AllocationFailed', 'no pool has a free address');
    await recorder.flush();
    // kubectl 1.32 as the product targets (SPEC §8); KUBECTL overrides.
    const kubectl = process.env.KUBECTL ?? (existsSync('/usr/lib/google-cloud-sdk/bin/kubectl.1.32') ? '/usr/lib/google-cloud-sdk/bin/kubectl.1.32' : 'kubectl');
    const { stdout } = await promisify(execFile)(kubectl, ['--kubeconfig', kube.kubeconfigPath, 'describe', 'service', '-n', 'ev', svc.metadata!.name!]);
    // The span is measured up to when kubectl runs, so a slow machine may show `5m1s`.
    expect(stdout).toMatch(/Warning\s+AllocationFailed\s+\S+ \(x3 over 5m(\d+s)?\)\s+purelb-allocator\s+no pool has a free address/);
  });

  it('aggregates many repeats fired at once without creating duplicates', async () => {
    const svc = await newService();
    const recorder = new EventRecorder({ client, component: 'purelb-allocator' });
    for (let i = 0; i < 10; i++) recorder.normal(svc, 'Repeat', 'same thing');
    await recorder.flush();
    const events = await eventsFor(svc.metadata!.name!);
    expect(events).toHaveLength(1);
    expect(events[0]?.count).toBe(10);
  });

  it('writes the Event again when it was deleted, keeping the tally', async () => {
    const svc = await newService();
    const recorder = new EventRecorder({ client, component: 'purelb-allocator' });
    recorder.normal(svc, 'Again', 'm');
    recorder.normal(svc, 'Again', 'm');
    await recorder.flush();
    const [first] = await eventsFor(svc.metadata!.name!);
    await client.delete(Resources.events, first!.metadata!.name!, 'ev');
    recorder.normal(svc, 'Again', 'm');
    await recorder.flush();
    const events = await eventsFor(svc.metadata!.name!);
    expect(events).toHaveLength(1);
    expect(events[0]?.count).toBe(3);
    expect(events[0]?.metadata?.name).not.toBe(first?.metadata?.name);
  });

  it('rate-limits per object with a token bucket', async () => {
    const a = await newService();
    const b = await newService();
    const recorder = new EventRecorder({ client, component: 'purelb-allocator', burst: 3, refillIntervalMs: 60_000 });
    for (let i = 0; i < 6; i++) recorder.normal(a, `Reason${i}`, `message ${i}`);
    recorder.normal(b, 'Other', 'b still gets events');
    await recorder.flush();
    expect((await eventsFor(a.metadata!.name!)).map((e) => e.reason).sort()).toEqual(['Reason0', 'Reason1', 'Reason2']);
    expect(await eventsFor(b.metadata!.name!)).toHaveLength(1);
    expect(recorder.droppedEvents).toBe(3);
  });

  it('puts events of cluster-scoped objects in default', async () => {
    const node = await client.create<KubeObject>(Resources.nodes, { metadata: { name: `node-${++counter}` } });
    const recorder = new EventRecorder({ client, component: 'purelb-lbnodeagent' });
    recorder.normal(node, 'Announcing', 'announcing 192.0.2.10');
    await recorder.flush();
    const events = await eventsFor(node.metadata!.name!, 'default');
    expect(events).toHaveLength(1);
    expect(events[0]?.involvedObject).toMatchObject({ kind: 'Node', name: node.metadata?.name });
  });

  it('retries through injected 500s and never throws when the API is unreachable', async () => {
    const svc = await newService();
    const recorder = new EventRecorder({ client, component: 'purelb-allocator', retryDelayMs: 5 });
    kube.faults.failNextWrites(3, 500);
    recorder.normal(svc, 'Retried', 'made it');
    await recorder.flush();
    expect(await eventsFor(svc.metadata!.name!)).toHaveLength(1);

    const unreachable = new KubeConfig();
    unreachable.loadFromString(kube.kubeconfigYaml.replace(kube.url, 'https://127.0.0.1:1'));
    const broken = new EventRecorder({ client: new KubeClient(unreachable), component: 'x', retryDelayMs: 1, maxAttempts: 2 });
    expect(() => broken.normal(svc, 'Lost', 'nobody hears this')).not.toThrow();
    expect(() => broken.normal({ metadata: {} }, 'NoName', 'no name')).not.toThrow();
    await broken.close();
    expect(broken.droppedEvents).toBe(2);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then refills over time', () => {
    const bucket = new TokenBucket(2, 1000, 0);
    expect([bucket.tryTake(0), bucket.tryTake(0), bucket.tryTake(0)]).toEqual([true, true, false]);
    expect(bucket.tryTake(500)).toBe(false);
    expect(bucket.tryTake(1000)).toBe(true);
    expect(bucket.tryTake(1000)).toBe(false);
    expect([bucket.tryTake(10_000), bucket.tryTake(10_000), bucket.tryTake(10_000)]).toEqual([true, true, false]);
  });
});
