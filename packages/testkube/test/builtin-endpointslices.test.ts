// EndpointSlice hooks against 07-endpointslices-nodes: defaulting (`conditions: {}`), generation
// bookkeeping, the recorded 422s (address per type, addressType enum, required, label value,
// immutable addressType) and the Table printer against `kubectl get endpointslices -A` in 01.
import { describe, expect, it } from '@jest/globals';
import { endpointSlicesResource } from '../src/resources/builtin/endpointslices.js';
import { FakeRegistry, exchange, fakeCtx, recording, withoutManagedFields } from './builtin-harness.js';

const rec = recording('07-endpointslices-nodes.jsonl');
const EPS = endpointSlicesResource();

function withSlices(): FakeRegistry {
  const reg = new FakeRegistry(fakeCtx(), 'rec-eps');
  for (const seq of [18, 19, 20]) reg.create(EPS, exchange(rec, seq).requestBody, exchange(rec, seq).responseBody);
  return reg;
}

describe('endpointslices: create', () => {
  it.each([18, 19, 20])('stores slices as recorded (seq %i)', (seq) => {
    const reg = new FakeRegistry(fakeCtx(), 'rec-eps');
    const ex = exchange(rec, seq);
    expect(reg.create(EPS, ex.requestBody, ex.responseBody)).toEqual({ status: 201, body: withoutManagedFields(ex.responseBody) });
  });

  it.each([30, 31, 32, 33, 34])('rejects invalid slices with the recorded 422 (seq %i)', (seq) => {
    const reg = new FakeRegistry(fakeCtx(), 'rec-eps');
    const ex = exchange(rec, seq);
    expect(reg.create(EPS, ex.requestBody)).toEqual({ status: 422, body: ex.responseBody });
  });

  it('defaults port name and protocol and stores empty lists as null', () => {
    const reg = new FakeRegistry(fakeCtx(), 'rec-eps');
    const res = reg.create(EPS, { metadata: { name: 's' }, addressType: 'IPv6', endpoints: [], ports: [{ port: 80 }] });
    expect(res.body.endpoints).toBeNull();
    expect(res.body.ports).toEqual([{ port: 80, name: '', protocol: 'TCP' }]);
  });

  it('validates IPv6 and FQDN addresses and special IPs', () => {
    const reg = new FakeRegistry(fakeCtx(), 'rec-eps');
    const v6 = reg.create(EPS, { metadata: { name: 'a' }, addressType: 'IPv6', endpoints: [{ addresses: ['::1', '2001:db8::1'] }] });
    expect(v6.body.details.causes).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "::1": may not be in the loopback range (127.0.0.0/8, ::1/128)', field: 'endpoints[0].addresses[0]' },
    ]);
    const fqdn = reg.create(EPS, { metadata: { name: 'b' }, addressType: 'FQDN', endpoints: [{ addresses: ['example.com', 'single'] }] });
    expect(fqdn.body.details.causes).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "single": should be a domain with at least two segments separated by dots', field: 'endpoints[0].addresses[1]' },
    ]);
  });
});

describe('endpointslices: update', () => {
  it('bumps the generation on PUT and JSON patch of conditions, not on annotations (seq 27, 28, 29)', () => {
    const reg = withSlices();
    const put = exchange(rec, 27);
    expect(reg.update(EPS, 'web-abc12', put.requestBody, undefined, put.responseBody).body).toEqual(withoutManagedFields(put.responseBody));
    const json = exchange(rec, 28);
    expect(reg.patch(EPS, 'web-abc12', 'json', json.requestBody, undefined, json.responseBody).body).toEqual(withoutManagedFields(json.responseBody));
    const merge = exchange(rec, 29);
    expect(reg.patch(EPS, 'other-xyz99', 'merge', merge.requestBody, undefined, merge.responseBody).body).toEqual(withoutManagedFields(merge.responseBody));
  });

  it('bumps the generation for label changes, and not for re-sent defaults', () => {
    const reg = withSlices();
    expect(reg.patch(EPS, 'web-n8qnb', 'merge', { metadata: { labels: { extra: 'x' } } }).body.metadata.generation).toBe(2);
    const current = reg.get(EPS, 'web-n8qnb');
    delete current.endpoints[0].conditions;
    expect(reg.update(EPS, 'web-n8qnb', current).body.metadata.generation).toBe(2);
  });

  it('reports address errors and the immutable addressType (seq 35)', () => {
    const reg = withSlices();
    reg.update(EPS, 'web-abc12', exchange(rec, 27).requestBody);
    const ex = exchange(rec, 35);
    expect(reg.patch(EPS, 'web-abc12', 'merge', ex.requestBody)).toEqual({ status: 422, body: ex.responseBody });
  });
});

describe('endpointslices: Table', () => {
  it('prints the recorded columns and cells (01 seq 33)', () => {
    const table = exchange(recording('01-discovery.jsonl'), 33).responseBody;
    expect(EPS.table!.columns.map((c) => ({ ...c, format: c.format ?? '' }))).toEqual(table.columnDefinitions);
    const row = table.rows[0];
    const slice = {
      metadata: row.object.metadata,
      addressType: 'IPv4',
      endpoints: [{ addresses: ['192.0.2.2'], conditions: { ready: true } }],
      ports: [{ name: 'https', port: 26443, protocol: 'TCP' }],
    };
    const now = new Date(Date.parse(row.object.metadata.creationTimestamp) + 23 * 60_000 + 5_000);
    expect(EPS.table!.cells(slice, now)).toEqual(row.cells);
  });

  it('summarises more than three ports or addresses like kube', () => {
    const slice = {
      metadata: { name: 's', creationTimestamp: '2026-11-24T18:40:00Z' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1', '10.0.0.2'] }, { addresses: ['10.0.0.3', '10.0.0.4', '10.0.0.5'] }],
      ports: [{ port: 1 }, { name: 'named' }, {}, { port: 4 }],
    };
    expect(EPS.table!.cells(slice, new Date('2026-11-24T18:40:00Z'))).toEqual(['s', 'IPv4', '1,named,* + 1 more...', '10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...', '0s']);
    expect(EPS.table!.cells({ metadata: { name: 'e' }, addressType: 'IPv4', endpoints: null, ports: null }, new Date())).toEqual([
      'e',
      'IPv4',
      '<unset>',
      '<unset>',
      '<unknown>',
    ]);
  });
});
