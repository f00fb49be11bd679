// Namespace hooks: creation defaults recorded in every scenario (spec.finalizers ["kubernetes"],
// the kubernetes.io/metadata.name label, phase Active), main writes that cannot touch finalizers or
// status, the finalize validation, /status rules and the Table of `kubectl get ns` (08).
import { describe, expect, it } from '@jest/globals';
import { namespacesResource, validateNamespaceFinalize } from '../src/resources/builtin/namespaces.js';
import { checkFieldSelectorFor, parseFieldSelector } from '../src/selectors.js';
import { FakeRegistry, exchange, fakeCtx, recording, withoutManagedFields } from './builtin-harness.js';

const NS = namespacesResource();

describe('namespaces: create', () => {
  it.each([
    ['05-leases.jsonl', 1],
    ['06-events.jsonl', 1],
    ['07-endpointslices-nodes.jsonl', 1],
  ])('defaults like the recorded create (%s seq %i)', (file, seq) => {
    const ex = exchange(recording(file), seq);
    const reg = new FakeRegistry(fakeCtx());
    expect(reg.create(NS, ex.requestBody, ex.responseBody)).toEqual({ status: 201, body: withoutManagedFields(ex.responseBody) });
  });

  it('keeps other finalizers, forces the name label and validates names and finalizers', () => {
    const reg = new FakeRegistry(fakeCtx());
    const res = reg.create(NS, { metadata: { name: 'a', labels: { 'kubernetes.io/metadata.name': 'b' } }, spec: { finalizers: ['example.com/x'] } });
    expect(res.body.spec).toEqual({ finalizers: ['example.com/x', 'kubernetes'] });
    expect(res.body.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'a' });
    const bad = reg.create(NS, { metadata: { name: 'Bad.Name' }, spec: { finalizers: ['custom'] } });
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes.map((c: any) => c.field)).toEqual(['metadata.name', 'spec.finalizers']);
    expect(bad.body.details.causes[1].message).toBe('Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified');
  });
});

describe('namespaces: updates', () => {
  it('ignores spec.finalizers and status on main writes but applies labels', () => {
    const reg = new FakeRegistry(fakeCtx());
    reg.create(NS, { metadata: { name: 'n' } });
    const res = reg.update(NS, 'n', { metadata: { name: 'n', labels: { team: 'x' } }, spec: { finalizers: [] }, status: { phase: 'Terminating' } });
    expect(res.body.spec).toEqual({ finalizers: ['kubernetes'] });
    expect(res.body.status).toEqual({ phase: 'Active' });
    expect(res.body.metadata.labels).toEqual({ team: 'x', 'kubernetes.io/metadata.name': 'n' });
  });

  it('allows only the phase matching deletionTimestamp on /status', () => {
    const reg = new FakeRegistry(fakeCtx());
    reg.create(NS, { metadata: { name: 'n' } });
    const res = reg.update(NS, 'n', { metadata: { name: 'n' }, status: { phase: 'Terminating' } }, 'status');
    expect(res.status).toBe(422);
    expect(res.body.details.causes).toEqual([
      { reason: 'FieldValueInvalid', message: "Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty", field: 'status.Phase' },
    ]);
    expect(reg.update(NS, 'n', { metadata: { name: 'n' }, status: {} }, 'status').body.status).toEqual({ phase: 'Active' });
  });

  it('validates finalizer names of a finalize write with their index', () => {
    expect(validateNamespaceFinalize({ metadata: { name: 'n' }, spec: { finalizers: ['kubernetes', 'bad'] } })).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "bad": name is neither a standard finalizer name nor is it fully qualified',
        field: 'spec.finalizers[1]',
      },
    ]);
    expect(validateNamespaceFinalize({ metadata: { name: 'n' }, spec: {} })).toEqual([]);
  });
});

describe('namespaces: facts and Table', () => {
  it('answers DELETE with the object and serves finalize and status', () => {
    expect(NS.deleteReturnsObject).toBe(true);
    expect(NS.subresources).toEqual(['finalize', 'status']);
    expect(NS.verbs).not.toContain('deletecollection');
    expect(() => checkFieldSelectorFor(parseFieldSelector('status.phase=Active'), NS)).not.toThrow();
    expect(() => checkFieldSelectorFor(parseFieldSelector('metadata.namespace=x'), NS)).toThrow('field label not supported: metadata.namespace');
  });

  it.each([118, 140])('prints the recorded `kubectl get namespace` row (08 seq %i)', (seq) => {
    const table = exchange(recording('08-kubectl-flows.jsonl'), seq).responseBody;
    expect(NS.table!.columns.map((c) => ({ ...c, format: c.format ?? '' }))).toEqual(table.columnDefinitions);
    const row = table.rows[0];
    const ns = { metadata: row.object.metadata, status: { phase: row.cells[1] } };
    const now = new Date(Date.parse(row.object.metadata.creationTimestamp) + 12_500);
    expect(NS.table!.cells(ns, now)).toEqual(row.cells);
  });
});
