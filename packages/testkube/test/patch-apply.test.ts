// Server-side apply and managedFields: FieldsV1 encoding, ownership on updates, apply merges,
// pruning and conflicts, checked against the recorded kube-apiserver exchanges where they exist.
import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ApiError } from '../src/errors.js';
import type { KubeObject } from '../src/resources/types.js';
import { applyServerSide, FieldSet, fieldPathString, jsonClone, recordUpdate, type ServerSideApplyOptions } from '../src/patch/index.js';

const RECORDINGS = join(process.cwd(), '..', 'shared', 'kube-api-recordings');

function exchanges(file: string): any[] {
  return readFileSync(join(RECORDINGS, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

function exchange(file: string, seq: number): any {
  const e = exchanges(file).find((x) => x.seq === seq);
  if (!e) throw new Error(`no exchange ${seq} in ${file}`);
  return e;
}

function withoutTimes(mf: any[] | undefined): any[] {
  return (mf ?? []).map((m) => {
    const c = { ...m };
    delete c.time;
    return c;
  });
}

function catchApiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

const T1 = '2026-11-24T18:35:45Z';
const T2 = '2026-11-24T18:36:00Z';
const T3 = '2026-11-24T18:37:00Z';

function opts(manager: string, extra: Partial<ServerSideApplyOptions> = {}): ServerSideApplyOptions {
  return { manager, force: false, now: T1, apiVersion: 'v1', resource: 'services', group: '', name: 'web', ...extra };
}

function svc(spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', ...metadata }, spec };
}

describe('FieldSet', () => {
  it('round-trips every recorded fieldsV1, including kube key order', () => {
    let seen = 0;
    for (const file of ['02-services-crud.jsonl', '04-crd.jsonl', '06-events.jsonl', '07-endpointslices-nodes.jsonl', '08-kubectl-flows.jsonl']) {
      for (const e of exchanges(file)) {
        for (const m of e.responseBody?.metadata?.managedFields ?? []) {
          const out = FieldSet.fromFieldsV1(m.fieldsV1).toFieldsV1();
          expect(JSON.stringify(out)).toBe(JSON.stringify(m.fieldsV1));
          seen++;
        }
      }
    }
    expect(seen).toBeGreaterThan(200);
  });

  it('treats "." and empty leaves as members, other nodes as parents only', () => {
    const s = FieldSet.fromFieldsV1({ 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:selector': {} } });
    expect(s.paths()).toEqual([
      ['f:metadata', 'f:labels'],
      ['f:metadata', 'f:labels', 'f:app'],
      ['f:spec', 'f:selector'],
    ]);
    expect(s.has(['f:metadata'])).toBe(false);
  });

  it('orders keyed items numerically and categories f < k < v < i', () => {
    const s = FieldSet.from([
      ['f:ports', 'k:{"port":10000,"protocol":"TCP"}'],
      ['f:ports', 'k:{"port":9090,"protocol":"TCP"}'],
      ['f:ports', 'f:x'],
      ['f:ports', 'v:"a"'],
      ['f:ports', 'i:2'],
    ]);
    expect(Object.keys(s.toFieldsV1()['f:ports'] as object)).toEqual([
      'f:x',
      'k:{"port":9090,"protocol":"TCP"}',
      'k:{"port":10000,"protocol":"TCP"}',
      'v:"a"',
      'i:2',
    ]);
  });

  it('renders paths the way conflict messages show them', () => {
    expect(fieldPathString(['f:metadata', 'f:annotations', 'f:purelb.io/service-group'])).toBe('.metadata.annotations.purelb.io/service-group');
    expect(fieldPathString(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}', 'f:targetPort'])).toBe(
      '.spec.ports[port=80,protocol="TCP"].targetPort',
    );
    expect(fieldPathString(['f:metadata', 'f:finalizers', 'v:"a/b"'])).toBe('.metadata.finalizers[="a/b"]');
  });

  it('set algebra holds for random path sets (property)', () => {
    const pe = fc.constantFrom('f:a', 'f:b', 'k:{"port":1}', 'v:"x"', 'i:0');
    const path = fc.array(pe, { minLength: 1, maxLength: 3 });
    const set = fc.array(path, { maxLength: 8 }).map((ps) => FieldSet.from(ps));
    fc.assert(
      fc.property(set, set, (a, b) => {
        const u = a.union(b);
        expect(u.difference(b).union(a.intersection(b)).paths()).toEqual(a.paths());
        expect(FieldSet.fromFieldsV1(u.toFieldsV1()).paths()).toEqual(u.paths());
      }),
    );
  });
});

describe('recordUpdate', () => {
  it('takes changed fields from other managers and drops removed ones', () => {
    const created = recordUpdate(undefined, svc({ type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }] }, { labels: { a: '1' } }), 'creator', 'Update', 'v1', T1);
    expect(created.metadata!.managedFields).toEqual([
      {
        manager: 'creator',
        operation: 'Update',
        apiVersion: 'v1',
        time: T1,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } },
          'f:spec': { 'f:ports': { '.': {}, 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:protocol': {} } }, 'f:type': {} },
        },
      },
    ]);
    const next = jsonClone(created);
    next.spec.type = 'NodePort';
    delete next.metadata!.labels;
    const updated = recordUpdate(created, next, 'editor', 'Update', 'v1', T2);
    expect(withoutTimes(updated.metadata!.managedFields)).toEqual([
      {
        manager: 'creator',
        operation: 'Update',
        apiVersion: 'v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:ports': { '.': {}, 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:protocol': {} } } } },
      },
      { manager: 'editor', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:type': {} } } },
    ]);
    expect(updated.metadata!.managedFields![0].time).toBe(T1);
    expect(updated.metadata!.managedFields![1].time).toBe(T2);
  });

  it('leaves managedFields alone when the write changes nothing it tracks', () => {
    const created = recordUpdate(undefined, svc({ type: 'ClusterIP' }), 'creator', 'Update', 'v1', T1);
    const same = recordUpdate(created, { ...jsonClone(created), status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } }, 'other', 'Update', 'v1', T2);
    expect(same.metadata!.managedFields).toEqual(created.metadata!.managedFields);
  });

  it('tracks status writes in a separate entry that ignores spec', () => {
    // A stored Service always has status.loadBalancer, so only the ingress list is new.
    const created = recordUpdate(undefined, { ...svc({ type: 'LoadBalancer' }), status: { loadBalancer: {} } }, 'm', 'Update', 'v1', T1);
    const next = { ...jsonClone(created), spec: { type: 'ClusterIP' }, status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } };
    const out = recordUpdate(created, next, 'm', 'Update', 'v1', T2, { subresource: 'status' });
    expect(withoutTimes(out.metadata!.managedFields)).toEqual([
      { manager: 'm', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:type': {} } } },
      {
        manager: 'm',
        operation: 'Update',
        apiVersion: 'v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': { 'f:loadBalancer': { 'f:ingress': {} } } },
        subresource: 'status',
      },
    ]);
  });

  it('resets managedFields when the body sends an empty list', () => {
    const created = recordUpdate(undefined, svc({ type: 'ClusterIP' }), 'a', 'Update', 'v1', T1);
    const next = jsonClone(created);
    next.metadata!.managedFields = [];
    next.spec.type = 'NodePort';
    const out = recordUpdate(created, next, 'b', 'Update', 'v1', T2);
    expect(withoutTimes(out.metadata!.managedFields)).toEqual([
      { manager: 'b', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:type': {} } } },
    ]);
  });

  it('drops managedFields for objects with duplicate list keys (recorded 07 seq 6)', () => {
    const prev = exchange('07-endpointslices-nodes.jsonl', 5).responseBody;
    const put = exchange('07-endpointslices-nodes.jsonl', 6);
    const out = recordUpdate(prev, put.requestBody, 'kube-recorder-scenario', 'Update', 'v1', T1, { subresource: 'status' });
    expect(out.metadata!.managedFields).toBeUndefined();
    expect(put.responseBody.metadata.managedFields).toBeUndefined();
  });

  it('folds the oldest of more than ten update managers into ancient-changes', () => {
    let obj: KubeObject = svc({});
    for (let i = 0; i < 12; i++) {
      const next = jsonClone(obj);
      next.metadata!.labels = { ...(next.metadata!.labels ?? {}), [`l${i}`]: 'x' };
      obj = recordUpdate(obj.metadata!.managedFields ? obj : undefined, next, `m${String(i).padStart(2, '0')}`, 'Update', 'v1', `2026-11-24T18:00:${String(i).padStart(2, '0')}Z`);
    }
    const managers = obj.metadata!.managedFields!.map((m: any) => m.manager);
    expect(managers).toHaveLength(10);
    expect(managers).toContain('ancient-changes');
    expect(managers).not.toContain('m00');
    const ancient = obj.metadata!.managedFields!.find((m: any) => m.manager === 'ancient-changes');
    expect(Object.keys(ancient.fieldsV1['f:metadata']['f:labels'])).toEqual(expect.arrayContaining(['f:l0', 'f:l1', 'f:l2']));
  });

  it('stores whole-second UTC times whatever precision `now` has', () => {
    const micro = recordUpdate(undefined, svc({ type: 'ClusterIP' }), 'm', 'Update', 'v1', '2026-11-24T18:35:28.592000Z');
    expect(micro.metadata!.managedFields![0].time).toBe('2026-11-24T18:35:28Z');
    const offset = recordUpdate(undefined, svc({ type: 'ClusterIP' }), 'm', 'Update', 'v1', '2026-11-24T19:35:28+01:00');
    expect(offset.metadata!.managedFields![0].time).toBe('2026-11-24T18:35:28Z');
  });

  it('orders entries Apply first, then by time and manager', () => {
    let obj = applyServerSide(undefined, svc({ type: 'ClusterIP' }), opts('z-applier', { now: T3 }));
    const next = jsonClone(obj);
    next.metadata!.labels = { a: 'b' };
    obj = recordUpdate(obj, next, 'b-updater', 'Update', 'v1', T2);
    const next2 = jsonClone(obj);
    next2.metadata!.annotations = { a: 'b' };
    obj = recordUpdate(obj, next2, 'a-updater', 'Update', 'v1', T2);
    expect(obj.metadata!.managedFields!.map((m: any) => m.manager)).toEqual(['z-applier', 'a-updater', 'b-updater']);
  });
});

describe('applyServerSide against the recordings', () => {
  const create = exchange('08-kubectl-flows.jsonl', 101);
  const update = exchange('08-kubectl-flows.jsonl', 106);
  const conflict = exchange('08-kubectl-flows.jsonl', 111);
  const sso = { manager: 'kubectl', force: false, apiVersion: 'v1', resource: 'services', group: '', name: 'web-ssa' };

  it('creates with an Apply entry listing exactly the applied fields (seq 101)', () => {
    const out = applyServerSide(undefined, create.requestBody, { ...sso, now: T1 });
    expect(withoutTimes(out.metadata!.managedFields)).toEqual(withoutTimes(create.responseBody.metadata.managedFields));
    expect(out.metadata!.managedFields![0].time).toBe(T1);
    expect(out.metadata!.name).toBe('web-ssa');
    expect(out.spec).toEqual({ loadBalancerClass: 'purelb.io/purelb', ports: [{ name: 'http', port: 8080, targetPort: 9376 }], selector: { app: 'web' }, type: 'LoadBalancer' });
    expect(out.status).toEqual({ loadBalancer: {} });
  });

  it('updates the live object and keeps the entry (seq 106)', () => {
    const out = applyServerSide(create.responseBody, update.requestBody, { ...sso, now: T2 });
    expect(withoutTimes(out.metadata!.managedFields)).toEqual(withoutTimes(update.responseBody.metadata.managedFields));
    const strip = (o: any): any => {
      const c = jsonClone(o);
      delete c.metadata.managedFields;
      delete c.metadata.resourceVersion;
      return c;
    };
    expect(strip(out)).toEqual(strip(update.responseBody));
  });

  it('answers a foreign manager changing an owned field with the recorded 409 (seq 111)', () => {
    const err = catchApiError(() => applyServerSide(update.responseBody, conflict.requestBody, { ...sso, manager: 'other', now: T3 }));
    expect(err.code).toBe(409);
    expect(err.toStatus()).toEqual(conflict.responseBody);
  });

  it('lets force take the field over', () => {
    const out = applyServerSide(update.responseBody, conflict.requestBody, { ...sso, manager: 'other', force: true, now: T3 });
    expect(out.metadata!.annotations).toEqual({ 'purelb.io/service-group': 'default' });
    const byManager = Object.fromEntries(out.metadata!.managedFields!.map((m: any) => [m.manager, m.fieldsV1]));
    expect(byManager['other']['f:metadata']).toEqual({ 'f:annotations': { 'f:purelb.io/service-group': {} } });
    expect(byManager['kubectl']['f:metadata']).toBeUndefined();
    // Fields applied with equal values are shared, not taken.
    expect(byManager['kubectl']['f:spec']['f:type']).toEqual({});
    expect(byManager['other']['f:spec']['f:type']).toEqual({});
  });

  it('adds an apply entry before the update entries (02 seq 46)', () => {
    const before = exchange('02-services-crud.jsonl', 44).responseBody;
    const after = exchange('02-services-crud.jsonl', 46).responseBody;
    const applied = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb-local', annotations: { ssa: 'yes' } } };
    const out = applyServerSide(before, applied, { ...sso, manager: 'recorder-ssa', name: 'lb-local', now: T1 });
    expect(withoutTimes(out.metadata!.managedFields)).toEqual(withoutTimes(after.metadata.managedFields));
    expect(out.metadata!.annotations).toEqual(after.metadata.annotations);
    expect(out.spec).toEqual(after.spec);
  });
});

describe('applyServerSide semantics', () => {
  it('prunes fields the applier dropped unless someone else owns them', () => {
    let obj = applyServerSide(undefined, svc({ type: 'ClusterIP' }, { annotations: { a: '1', b: '2', c: '3' } }), opts('applier'));
    const edited = jsonClone(obj);
    edited.metadata!.annotations!.c = '33';
    obj = recordUpdate(obj, edited, 'editor', 'Update', 'v1', T2);
    obj = applyServerSide(obj, svc({ type: 'ClusterIP' }, { annotations: { a: '1' } }), opts('applier', { now: T3 }));
    expect(obj.metadata!.annotations).toEqual({ a: '1', c: '33' });
    obj = applyServerSide(obj, svc({ type: 'ClusterIP' }), opts('applier', { now: T3 }));
    expect(obj.metadata!.annotations).toEqual({ c: '33' });
  });

  it('removes a map the applier emptied', () => {
    let obj = applyServerSide(undefined, svc({ type: 'ClusterIP' }, { labels: { a: '1' } }), opts('applier'));
    obj = applyServerSide(obj, svc({ type: 'ClusterIP' }), opts('applier', { now: T2 }));
    expect(obj.metadata!.labels).toBeUndefined();
    expect(obj.spec).toEqual({ type: 'ClusterIP' });
  });

  it('merges keyed lists by key and prunes items the applier no longer lists', () => {
    let obj = applyServerSide(undefined, svc({ ports: [{ port: 80, targetPort: 8080 }] }), opts('applier'));
    obj = applyServerSide(obj, svc({ ports: [{ port: 80, targetPort: 8080 }, { port: 443, name: 'https' }] }), opts('applier', { now: T2 }));
    expect(obj.spec.ports).toEqual([{ port: 80, targetPort: 8080 }, { port: 443, name: 'https' }]);
    obj = applyServerSide(obj, svc({ ports: [{ port: 443, name: 'https' }] }), opts('applier', { now: T3 }));
    expect(obj.spec.ports).toEqual([{ port: 443, name: 'https' }]);
  });

  it('keeps list items owned by others and their order', () => {
    const live = recordUpdate(undefined, svc({ ports: [{ port: 1, protocol: 'TCP' }, { port: 2, protocol: 'TCP' }, { port: 3, protocol: 'TCP' }] }), 'u', 'Update', 'v1', T1);
    const out = applyServerSide(live, svc({ ports: [{ port: 4 }, { port: 3 }] }), opts('applier', { now: T2 }));
    expect(out.spec.ports.map((p: any) => p.port)).toEqual([1, 2, 4, 3]);
    const out2 = applyServerSide(live, svc({ ports: [{ port: 3 }, { port: 4 }] }), opts('applier', { now: T2 }));
    expect(out2.spec.ports.map((p: any) => p.port)).toEqual([1, 2, 3, 4]);
  });

  it('reports conflicts with update managers by manager and version', () => {
    const live = recordUpdate(undefined, svc({ type: 'ClusterIP', sessionAffinity: 'None' }), 'kubectl-client-side-apply', 'Update', 'v1', T1);
    const err = catchApiError(() => applyServerSide(live, svc({ type: 'NodePort' }), opts('kubectl')));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.type');
    expect(err.details).toEqual({ causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using v1', field: '.spec.type' }] });
  });

  it('lists several conflicts grouped by manager', () => {
    let live = recordUpdate(undefined, svc({ type: 'ClusterIP', sessionAffinity: 'None' }), 'alpha', 'Update', 'v1', T1);
    const next = jsonClone(live);
    next.metadata!.labels = { x: '1' };
    live = recordUpdate(live, next, 'beta', 'Update', 'v1', T2, { subresource: 'status' });
    const err = catchApiError(() =>
      applyServerSide(live, svc({ type: 'NodePort', sessionAffinity: 'ClientIP' }, { labels: { x: '2' } }), opts('kubectl')),
    );
    expect(err.code).toBe(409);
    expect(err.message).toBe(
      'Apply failed with 3 conflicts: conflicts with "alpha" using v1:\n- .spec.sessionAffinity\n- .spec.type\nconflicts with "beta" with subresource "status" using v1:\n- .metadata.labels.x',
    );
    expect(err.details!.causes!.map((c) => c.field)).toEqual(['.spec.sessionAffinity', '.spec.type', '.metadata.labels.x']);
  });

  it('shares fields applied with the value they already have', () => {
    const live = recordUpdate(undefined, svc({ type: 'ClusterIP' }), 'creator', 'Update', 'v1', T1);
    const out = applyServerSide(live, svc({ type: 'ClusterIP' }), opts('applier', { now: T2 }));
    const owners = out.metadata!.managedFields!.filter((m: any) => m.fieldsV1['f:spec']?.['f:type']).map((m: any) => m.manager);
    expect(owners).toEqual(['applier', 'creator']);
  });

  it('keeps the entry time when an apply changes nothing', () => {
    const first = applyServerSide(undefined, svc({ type: 'ClusterIP' }), opts('applier', { now: T1 }));
    const again = applyServerSide(first, svc({ type: 'ClusterIP' }), opts('applier', { now: T3 }));
    expect(again.metadata!.managedFields![0].time).toBe(T1);
  });

  it('ignores status in a main-resource apply', () => {
    const out = applyServerSide(undefined, { ...svc({ type: 'ClusterIP' }), status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } }, opts('a'));
    expect(out.status).toEqual({ loadBalancer: {} });
    expect(out.metadata!.managedFields![0].fieldsV1).toEqual({ 'f:spec': { 'f:type': {} } });
  });

  it('refuses bodies kube refuses', () => {
    expect(catchApiError(() => applyServerSide(undefined, { ...svc({}), apiVersion: 'v2' }, opts('a'))).message).toBe(
      'Incorrect version specified in apply patch. Specified patch version: v2, expected: v1',
    );
    const withMf = svc({}, { managedFields: [] });
    const mfErr = catchApiError(() => applyServerSide(undefined, withMf, opts('a')));
    expect([mfErr.code, mfErr.reason, mfErr.message]).toEqual([400, 'BadRequest', 'metadata.managedFields must be nil']);
    expect(catchApiError(() => applyServerSide(undefined, svc({}, { name: 'other' }), opts('a'))).message).toBe(
      'the name of the object (other) does not match the name on the URL (web)',
    );
    const dup = catchApiError(() => applyServerSide(undefined, svc({ ports: [{ port: 80 }, { port: 80, protocol: 'TCP' }] }), opts('a')));
    expect(dup.code).toBe(500);
    expect(dup.message).toContain('duplicate entries for key [port=80,protocol="TCP"]');
  });

  it('never mutates its inputs (property)', () => {
    const value = fc.constantFrom('a', 'b', 'c');
    const config = fc.record({
      labels: fc.dictionary(fc.constantFrom('x', 'y', 'z'), value),
      ports: fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { maxLength: 3 }),
      type: value,
    });
    fc.assert(
      fc.property(config, config, (c1, c2) => {
        const a1 = svc({ type: c1.type, ports: c1.ports.map((p) => ({ port: p })) }, { labels: c1.labels });
        const a2 = svc({ type: c2.type, ports: c2.ports.map((p) => ({ port: p })) }, { labels: c2.labels });
        const first = applyServerSide(undefined, a1, opts('m'));
        const snapshot = [jsonClone(first), jsonClone(a2)];
        const second = applyServerSide(first, a2, opts('m', { now: T2 }));
        expect([first, a2]).toEqual(snapshot);
        // A sole applier ends up with exactly what it applied.
        expect(second.metadata!.labels ?? {}).toEqual(c2.labels);
        expect((second.spec.ports ?? []).map((p: any) => p.port)).toEqual(c2.ports);
        expect(second.spec.type).toBe(c2.type);
      }),
    );
  });
});
