// Lease hooks against 05-leases: MicroTime decoding (400s), UTC normalisation, spec validation
// (422s), updates and patches, and the Table printer against the `kubectl get leases` in 01.
import { describe, expect, it } from '@jest/globals';
import { leasesResource } from '../src/resources/builtin/leases.js';
import { FakeRegistry, exchange, fakeCtx, recording, withoutManagedFields } from './builtin-harness.js';

const rec = recording('05-leases.jsonl');
const LEASE = leasesResource();

function replayCreate(reg: FakeRegistry, seq: number) {
  const ex = exchange(rec, seq);
  const res = reg.create(LEASE, ex.requestBody, ex.responseBody);
  return { ex, res };
}

describe('leases: create', () => {
  it('stores a Lease with MicroTimes as recorded (seq 2, 5, 7)', () => {
    const reg = new FakeRegistry(fakeCtx(), 'rec-leases');
    for (const seq of [2, 5, 7]) {
      const { ex, res } = replayCreate(reg, seq);
      expect(res.status).toBe(201);
      expect(res.body).toEqual(withoutManagedFields(ex.responseBody));
    }
  });

  it('normalises a +02:00 offset to UTC with six digits (seq 6)', () => {
    const reg = new FakeRegistry(fakeCtx(), 'rec-leases');
    const { ex, res } = replayCreate(reg, 6);
    expect(res.body.spec.renewTime).toBe('2024-05-01T10:00:00.123456Z');
    expect(res.body).toEqual(withoutManagedFields(ex.responseBody));
  });

  it.each([3, 4, 23, 24])('refuses undecodable bodies with the recorded 400 (seq %i)', (seq) => {
    const reg = new FakeRegistry(fakeCtx(), 'rec-leases');
    const { ex, res } = replayCreate(reg, seq);
    expect(ex.status).toBe(400);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(ex.responseBody);
  });

  it.each([21, 22])('rejects invalid specs with the recorded 422 (seq %i)', (seq) => {
    const reg = new FakeRegistry(fakeCtx(), 'rec-leases');
    const { ex, res } = replayCreate(reg, seq);
    expect(res.status).toBe(422);
    expect(res.body).toEqual(ex.responseBody);
  });
});

describe('leases: update and patch', () => {
  it('renews, changes holder, and applies merge and strategic patches of renewTime (seq 9, 10, 13, 14)', () => {
    const reg = new FakeRegistry(fakeCtx(), 'rec-leases');
    replayCreate(reg, 2);
    for (const seq of [9, 10]) {
      const ex = exchange(rec, seq);
      const res = reg.update(LEASE, 'purelb-allocator', ex.requestBody, undefined, ex.responseBody);
      expect(res.body).toEqual(withoutManagedFields(ex.responseBody));
    }
    const merge = exchange(rec, 13);
    expect(reg.patch(LEASE, 'purelb-allocator', 'merge', merge.requestBody, undefined, merge.responseBody).body).toEqual(
      withoutManagedFields(merge.responseBody),
    );
    const smp = exchange(rec, 14);
    expect(reg.patch(LEASE, 'purelb-allocator', 'strategic', smp.requestBody, undefined, smp.responseBody).body).toEqual(
      withoutManagedFields(smp.responseBody),
    );
  });

  it('applies the same MicroTime decoding to updates', () => {
    const reg = new FakeRegistry(fakeCtx(), 'rec-leases');
    replayCreate(reg, 2);
    const res = reg.patch(LEASE, 'purelb-allocator', 'merge', { spec: { renewTime: '2026-11-24T18:35:28.5Z' } });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-11-24T18:35:28.5Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".5Z" as ".000000"',
    );
    const bad = reg.patch(LEASE, 'purelb-allocator', 'merge', { spec: { leaseTransitions: -2 } });
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: -2: must be greater than or equal to 0', field: 'spec.leaseTransitions' },
    ]);
  });
});

describe('leases: type facts and Table', () => {
  it('deletes with a Status and has no status subresource', () => {
    expect(LEASE.deleteReturnsObject).toBe(false);
    expect(LEASE.hasStatusSubresource).toBe(false);
    expect(LEASE.subresources).toEqual([]);
    expect(LEASE.strategicSchema).toBeDefined();
  });

  it('prints the columns and cells of the recorded `kubectl get leases -A` (01 seq 32)', () => {
    const ex = exchange(recording('01-discovery.jsonl'), 32);
    const table = ex.responseBody;
    expect(LEASE.table!.columns.map((c) => ({ ...c, format: c.format ?? '' }))).toEqual(table.columnDefinitions);
    const now = new Date(Date.parse(table.rows[0].object.metadata.creationTimestamp) + 23 * 60_000 + 10_000);
    for (const row of table.rows) {
      const obj = { metadata: row.object.metadata, spec: { holderIdentity: row.cells[1] } };
      expect(LEASE.table!.cells(obj, now)).toEqual(row.cells);
    }
    expect(LEASE.table!.cells({ metadata: { name: 'x', creationTimestamp: '2026-11-24T18:39:58Z' }, spec: {} }, new Date('2026-11-24T18:40:00Z'))).toEqual(['x', '', '2s']);
  });
});
