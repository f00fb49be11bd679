// Node hooks against 07-endpointslices-nodes: the not-ready taint admission adds on create, a
// POSTed status kept, Go zero-value status structs, /status writes (merge, PUT, strategic merge
// by address type), main writes that keep the status, field selectors and the Table printer.
import { describe, expect, it } from '@jest/globals';
import { nodesResource } from '../src/resources/builtin/nodes.js';
import { checkFieldSelectorFor, parseFieldSelector } from '../src/selectors.js';
import { ApiError } from '../src/errors.js';
import { FakeRegistry, exchange, fakeCtx, recording, withoutManagedFields } from './builtin-harness.js';

const rec = recording('07-endpointslices-nodes.jsonl');
const NODE = nodesResource();

function replay(upTo: number): FakeRegistry {
  const reg = new FakeRegistry(fakeCtx());
  const ex = (n: number) => exchange(rec, n);
  if (upTo >= 2) reg.create(NODE, ex(2).requestBody, ex(2).responseBody);
  if (upTo >= 3) reg.create(NODE, ex(3).requestBody, ex(3).responseBody);
  if (upTo >= 4) reg.patch(NODE, 'rec-node-a', 'merge', ex(4).requestBody, 'status', ex(4).responseBody);
  if (upTo >= 6) reg.update(NODE, 'rec-node-b', ex(6).requestBody, 'status', ex(6).responseBody);
  if (upTo >= 7) reg.patch(NODE, 'rec-node-a', 'strategic', ex(7).requestBody, 'status', ex(7).responseBody);
  if (upTo >= 8) reg.patch(NODE, 'rec-node-a', 'merge', ex(8).requestBody, undefined, ex(8).responseBody);
  return reg;
}

describe('nodes: create', () => {
  it('adds the not-ready taint and the zero-value status structs (seq 2)', () => {
    const reg = new FakeRegistry(fakeCtx());
    const ex = exchange(rec, 2);
    expect(reg.create(NODE, ex.requestBody, ex.responseBody)).toEqual({ status: 201, body: withoutManagedFields(ex.responseBody) });
  });

  it('keeps status.addresses sent with the POST (seq 3)', () => {
    const reg = new FakeRegistry(fakeCtx());
    const ex = exchange(rec, 3);
    expect(reg.create(NODE, ex.requestBody, ex.responseBody)).toEqual({ status: 201, body: withoutManagedFields(ex.responseBody) });
  });

  it('does not add the taint twice and validates taints', () => {
    const reg = new FakeRegistry(fakeCtx());
    const ok = reg.create(NODE, { metadata: { name: 'n1' }, spec: { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] } });
    expect(ok.body.spec.taints).toEqual([{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
    const bad = reg.create(NODE, { metadata: { name: 'n2' }, spec: { taints: [{ key: 'a', effect: 'Sometimes' }] } });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toBe(
      'Node "n2" is invalid: spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    );
  });
});

describe('nodes: updates', () => {
  it.each([4, 6, 7, 8])('answers like the recorded write (seq %i)', (seq) => {
    const reg = replay(seq - 1);
    const ex = exchange(rec, seq);
    const after = replay(seq);
    const name = ex.path.split('/')[4]!;
    expect(after.get(NODE, name)).toEqual(withoutManagedFields(ex.responseBody));
    expect(reg.stored.size).toBe(2);
  });

  it('re-adds the zero-value nodeInfo on a /status write that drops it', () => {
    const reg = replay(3);
    const res = reg.update(NODE, 'rec-node-b', { metadata: { name: 'rec-node-b' }, status: { addresses: [] } }, 'status');
    expect(res.body.status.nodeInfo.kubeletVersion).toBe('');
    expect(res.body.status.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 0 } });
    expect(res.body.status.addresses).toBeUndefined();
  });

  it('refuses to change podCIDRs once set', () => {
    const reg = replay(3);
    const res = reg.patch(NODE, 'rec-node-a', 'merge', { spec: { podCIDR: '10.244.9.0/24', podCIDRs: ['10.244.9.0/24'] } });
    expect(res.status).toBe(422);
    expect(res.body.details.causes).toEqual([
      { reason: 'FieldValueForbidden', message: 'Forbidden: node updates may not change podCIDR except from "" to valid', field: 'spec.podCIDRs' },
    ]);
  });
});

describe('nodes: selectors, facts and Table', () => {
  it('selects by spec.unschedulable (seq 12) and refuses metadata.namespace like kube', () => {
    const reg = replay(8);
    const sel = NODE.fieldSelectors!['spec.unschedulable']!;
    expect([...reg.stored.values()].filter((n) => sel(n) === 'false').map((n) => n.metadata!.name)).toEqual(['rec-node-a', 'rec-node-b']);
    expect(() => checkFieldSelectorFor(parseFieldSelector('metadata.namespace=x'), NODE)).toThrow(ApiError);
    expect(() => checkFieldSelectorFor(parseFieldSelector('spec.unschedulable=true,metadata.name=a'), NODE)).not.toThrow();
  });

  it('deletes with a Status and serves status and proxy', () => {
    expect(NODE.deleteReturnsObject).toBe(false);
    expect(NODE.subresources).toEqual(['proxy', 'status']);
    expect(NODE.namespaced).toBe(false);
  });

  it('prints kube printNode cells', () => {
    const reg = replay(8);
    const now = new Date('2026-11-24T18:37:30Z');
    expect(NODE.table!.cells(reg.stored.get('rec-node-a')!, now)).toEqual([
      'rec-node-a',
      'Ready',
      'worker',
      '2m',
      '',
      '192.0.2.21',
      '203.0.113.21',
      '<unknown>',
      '<unknown>',
      '<unknown>',
    ]);
    expect(NODE.table!.cells(reg.stored.get('rec-node-b')!, now).slice(0, 3)).toEqual(['rec-node-b', 'Unknown', '<none>']);
    expect(NODE.table!.columns.map((c) => c.name)).toEqual([
      'Name',
      'Status',
      'Roles',
      'Age',
      'Version',
      'Internal-IP',
      'External-IP',
      'OS-Image',
      'Kernel-Version',
      'Container-Runtime',
    ]);
  });
});
