// Fault injection, through the programmatic API and the admin HTTP endpoint.
import { describe, it, expect, afterEach } from '@jest/globals';
import https from 'node:https';
import { startTestKube, type TestKube } from '../src/index.js';

let kube: TestKube | undefined;
afterEach(async () => {
  await kube?.stop();
  kube = undefined;
});

function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, kube!.url), { method, ca: kube!.caPem, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined, ms: Date.now() - started });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' } });

describe('testkube faults', () => {
  it('answers the next N writes with 500, then recovers; reads are unaffected', async () => {
    kube = await startTestKube();
    kube.faults.failNextWrites(2, 500);
    expect((await call('POST', '/api/v1/namespaces/default/configmaps', cm('a'))).status).toBe(500);
    expect((await call('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200);
    const second = await call('POST', '/api/v1/namespaces/default/configmaps', cm('a'));
    expect(second.status).toBe(500);
    expect(second.body.reason).toBe('InternalError');
    expect((await call('POST', '/api/v1/namespaces/default/configmaps', cm('a'))).status).toBe(201);
  });

  it('injects 409 conflicts through the admin endpoint', async () => {
    kube = await startTestKube();
    const set = await call('POST', '/_testkube/faults', { failWrites: { count: 1, code: 409 } });
    expect(set.body.failWrites).toEqual({ count: 1, code: 409 });
    const r = await call('POST', '/api/v1/namespaces/default/configmaps', cm('b'));
    expect(r.status).toBe(409);
    expect(r.body.reason).toBe('Conflict');
    expect((await call('POST', '/api/v1/namespaces/default/configmaps', cm('b'))).status).toBe(201);
  });

  it('adds latency to every request until reset', async () => {
    kube = await startTestKube();
    await call('POST', '/_testkube/faults', { latencyMs: 300 });
    const slow = await call('GET', '/api/v1/namespaces');
    expect(slow.ms).toBeGreaterThanOrEqual(300);
    await call('POST', '/_testkube/faults', { reset: true });
    expect(kube.faults.state().latencyMs).toBe(0);
  });

  it('compaction turns watches from old resourceVersions into 410 Expired', async () => {
    kube = await startTestKube();
    const list = await call('GET', '/api/v1/namespaces/default/configmaps');
    const oldRV = list.body.metadata.resourceVersion;
    await call('POST', '/api/v1/namespaces/default/configmaps', cm('c'));
    await call('POST', '/_testkube/faults', { compact: {} });
    const watch = await call('GET', `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${oldRV}&timeoutSeconds=2`).catch(() => undefined);
    // The watch answers 200 with a single ERROR event (as kube-apiserver does), then closes.
    expect(watch?.status).toBe(200);
    expect(watch?.body.type).toBe('ERROR');
    expect(watch?.body.object.code).toBe(410);
    expect(watch?.body.object.reason).toBe('Expired');
    const exact = await call('GET', `/api/v1/namespaces/default/configmaps?resourceVersion=${oldRV}&resourceVersionMatch=Exact`);
    expect(exact.status).toBe(410);
  });
});
