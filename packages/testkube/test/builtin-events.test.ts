// Event hooks against 06-events: the core/v1 form as stored and served, the events.k8s.io/v1
// conversion both ways over ONE store, validation of both versions (recorded 422s), field
// selectors of both versions and the `kubectl get events` Table.
import { describe, expect, it } from '@jest/globals';
import { eventsResource, eventsV1Resource, EVENTS_STORAGE } from '../src/resources/builtin/events.js';
import type { KubeObject } from '../src/resources/types.js';
import { checkFieldSelectorFor, fieldsMatch, parseFieldSelector } from '../src/selectors.js';
import { ApiError } from '../src/errors.js';
import { FakeRegistry, clone, exchange, external, fakeCtx, recording, withoutManagedFields } from './builtin-harness.js';

const rec = recording('06-events.jsonl');
const CORE = eventsResource();
const V1 = eventsV1Resource();

/** Both types share one FakeRegistry: the store holds the core form, like the server's. */
function replay(upTo: number): FakeRegistry {
  const reg = new FakeRegistry(fakeCtx(), 'rec-events');
  const steps: Array<[number, () => void]> = [
    [10, () => reg.create(CORE, exchange(rec, 10).requestBody, exchange(rec, 10).responseBody)],
    [11, () => reg.patch(CORE, 'web-lb.17f0a1b2c3d4e5f6', 'strategic', exchange(rec, 11).requestBody, undefined, exchange(rec, 11).responseBody)],
    [12, () => reg.create(CORE, exchange(rec, 12).requestBody, exchange(rec, 12).responseBody)],
    [13, () => reg.create(CORE, exchange(rec, 13).requestBody, exchange(rec, 13).responseBody)],
    [15, () => reg.create(CORE, exchange(rec, 15).requestBody, exchange(rec, 15).responseBody)],
    [21, () => reg.create(V1, exchange(rec, 21).requestBody, exchange(rec, 21).responseBody)],
    [22, () => reg.patch(V1, 'web-lb.17f0a1b2c3d4e5f8', 'merge', exchange(rec, 22).requestBody, undefined, exchange(rec, 22).responseBody)],
  ];
  for (const [seq, step] of steps) if (seq <= upTo) step();
  return reg;
}

function names(list: KubeObject[]): string[] {
  return list.map((o) => o.metadata?.name as string).sort();
}

describe('events: one storage, two versions', () => {
  it('both types share the events storage and the stored form is core/v1', () => {
    expect(CORE.storage).toBe(EVENTS_STORAGE);
    expect(V1.storage).toBe(EVENTS_STORAGE);
    expect(CORE.hooks?.toExternal).toBeUndefined();
    expect(V1.hooks?.toExternal).toBeDefined();
    expect(V1.hooks?.toInternal).toBeDefined();
  });

  it('creates and patches core/v1 Events as recorded (seq 10, 11, 12, 13, 15)', () => {
    const reg = new FakeRegistry(fakeCtx(), 'rec-events');
    for (const seq of [10, 12, 13, 15]) {
      const ex = exchange(rec, seq);
      const res = reg.create(CORE, ex.requestBody, ex.responseBody);
      expect(res.status).toBe(201);
      expect(res.body).toEqual(withoutManagedFields(ex.responseBody));
      if (seq === 10) {
        const smp = exchange(rec, 11);
        const patched = reg.patch(CORE, 'web-lb.17f0a1b2c3d4e5f6', 'strategic', smp.requestBody, undefined, smp.responseBody);
        expect(patched.body).toEqual(withoutManagedFields(smp.responseBody));
      }
    }
  });

  it('rejects an involvedObject in another namespace but accepts type Info (seq 14, 15)', () => {
    const reg = new FakeRegistry(fakeCtx(), 'rec-events');
    const bad = exchange(rec, 14);
    expect(reg.create(CORE, bad.requestBody)).toEqual({ status: 422, body: bad.responseBody });
    expect(reg.create(CORE, exchange(rec, 15).requestBody).status).toBe(201);
  });

  it('creates an events.k8s.io/v1 Event and patches its series (seq 21, 22)', () => {
    const reg = replay(15);
    const create = exchange(rec, 21);
    const res = reg.create(V1, create.requestBody, create.responseBody);
    expect(res).toEqual({ status: 201, body: withoutManagedFields(create.responseBody) });
    const patch = exchange(rec, 22);
    expect(reg.patch(V1, 'web-lb.17f0a1b2c3d4e5f8', 'merge', patch.requestBody, undefined, patch.responseBody).body).toEqual(
      withoutManagedFields(patch.responseBody),
    );
  });

  it('serves the events.k8s.io Event through core/v1 and core Events through events.k8s.io (seq 26, 27, 28)', () => {
    const reg = replay(22);
    expect(external(CORE, reg.stored.get('web-lb.17f0a1b2c3d4e5f8')!)).toEqual(withoutManagedFields(exchange(rec, 26).responseBody));
    expect(external(V1, reg.stored.get('web-lb.17f0a1b2c3d4e5f6')!)).toEqual(withoutManagedFields(exchange(rec, 28).responseBody));
    const list = withoutManagedFields(exchange(rec, 27).responseBody);
    for (const item of list.items) {
      const ours = external(V1, reg.stored.get(item.metadata.name)!);
      delete ours.kind;
      delete ours.apiVersion;
      expect(ours).toEqual(item);
    }
  });

  it('rejects an events.k8s.io Event without eventTime (seq 23)', () => {
    const reg = replay(22);
    const ex = exchange(rec, 23);
    expect(reg.create(V1, ex.requestBody)).toEqual({ status: 422, body: ex.responseBody });
  });

  it('reports a changed note as an immutable `message` (seq 24)', () => {
    const reg = replay(22);
    const ex = exchange(rec, 24);
    expect(reg.patch(V1, 'web-lb.17f0a1b2c3d4e5f8', 'merge', ex.requestBody)).toEqual({ status: 422, body: ex.responseBody });
  });

  it('applies the stricter events.k8s.io rules only there', () => {
    const reg = replay(22);
    const core = reg.patch(CORE, 'web-lb.17f0a1b2c3d4e5f6', 'merge', { message: 'changed through core' });
    expect(core.status).toBe(200);
    const res = reg.create(V1, {
      metadata: { name: 'strict' },
      eventTime: '2026-11-24T18:35:29.000000Z',
      reportingController: 'c',
      reportingInstance: 'i',
      action: 'A',
      reason: 'R',
      type: 'Info',
      regarding: { kind: 'Service', namespace: 'rec-events', name: 'web-lb' },
      deprecatedCount: 3,
      series: { count: 1, lastObservedTime: '2026-11-24T18:35:29.000000Z' },
    });
    expect(res.status).toBe(422);
    expect(res.body.details.causes).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "": should be at least 2', field: 'series.count' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "": has invalid value: Info', field: 'type' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "": needs to be unset', field: 'deprecatedCount' },
    ]);
  });

  it('reports every immutable field kube checks on an events.k8s.io update, reason twice', () => {
    const reg = replay(22);
    const res = reg.patch(V1, 'web-lb.17f0a1b2c3d4e5f8', 'merge', { reason: 'Other', action: 'B' });
    expect(res.status).toBe(422);
    expect(res.body.details.causes).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "Other": field is immutable', field: 'reason' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "Other": field is immutable', field: 'reason' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "B": field is immutable', field: 'action' },
    ]);
  });

  it('stores core timestamps at second precision in UTC and drops unknown fields', () => {
    const reg = new FakeRegistry(fakeCtx(), 'rec-events');
    const body = clone(exchange(rec, 13).requestBody);
    body.firstTimestamp = '2026-11-24T20:35:29.75+02:00';
    body.note = 'not a core field';
    const res = reg.create(CORE, body);
    expect(res.body.firstTimestamp).toBe('2026-11-24T18:35:29Z');
    expect(res.body.note).toBeUndefined();
  });

  it('refuses an eventTime without six fractional digits while decoding', () => {
    const reg = new FakeRegistry(fakeCtx(), 'rec-events');
    const body = clone(exchange(rec, 21).requestBody);
    body.eventTime = '2026-11-24T18:34:59Z';
    const res = reg.create(V1, body);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      'Event in version "v1" cannot be handled as a Event: parsing time "2026-11-24T18:34:59Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"',
    );
  });
});

describe('events: field selectors', () => {
  function select(type: typeof CORE, stored: KubeObject[], selector: string): string[] {
    const reqs = parseFieldSelector(selector);
    checkFieldSelectorFor(reqs, type);
    const matching = stored.filter((o) => {
      const ext = type.hooks?.toExternal ? type.hooks.toExternal(clone(o)) : o;
      return fieldsMatch(reqs, (f) => {
        if (f === 'metadata.name') return o.metadata?.name;
        if (f === 'metadata.namespace') return o.metadata?.namespace;
        return type.fieldSelectors?.[f]?.(ext);
      });
    });
    return names(matching);
  }

  it.each([9, 16, 17, 18, 19, 25, 29, 36, 47])('matches what the recorded list returned (seq %i)', (seq) => {
    const ex = exchange(rec, seq);
    const reg = replay(seq);
    const type = ex.path.startsWith('/apis/events.k8s.io') ? V1 : CORE;
    expect(select(type, [...reg.stored.values()], ex.query.fieldSelector!)).toEqual(names(ex.responseBody.items));
  });

  it.each([20, 30])('refuses unsupported labels with the recorded 400 (seq %i)', (seq) => {
    const ex = exchange(rec, seq);
    const type = ex.path.startsWith('/apis/events.k8s.io') ? V1 : CORE;
    let err: unknown;
    try {
      checkFieldSelectorFor(parseFieldSelector(ex.query.fieldSelector!), type);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).toStatus()).toEqual(ex.responseBody);
  });

  it('supports source and reportingComponent on core/v1 and reportingController on events.k8s.io', () => {
    const reg = replay(22);
    const stored = [...reg.stored.values()];
    expect(select(CORE, stored, 'source=purelb-allocator')).toEqual(['web-lb.17f0a1b2c3d4e5f6', 'web-lb.dh9rj']);
    expect(select(CORE, stored, 'source=purelb.io/lbnodeagent')).toEqual(['web-lb.17f0a1b2c3d4e5f8']);
    expect(select(CORE, stored, 'reportingComponent=x')).toEqual(['bad-type-event']);
    expect(select(V1, stored, 'reportingController=purelb.io/lbnodeagent')).toEqual(['web-lb.17f0a1b2c3d4e5f8']);
  });
});

describe('events: Table', () => {
  it('prints the recorded `kubectl get events` columns and cells (seq 44)', () => {
    const ex = exchange(rec, 44);
    const reg = replay(22);
    expect(CORE.table!.columns.map((c) => ({ ...c, format: c.format ?? '' }))).toEqual(ex.responseBody.columnDefinitions);
    const now = new Date('2026-11-24T18:35:30.010Z');
    for (const row of ex.responseBody.rows) {
      expect(CORE.table!.cells(reg.stored.get(row.object.metadata.name)!, now)).toEqual(row.cells);
    }
  });

  it('prints the same cells for the events.k8s.io form', () => {
    const reg = replay(22);
    const now = new Date('2026-11-24T18:35:30.010Z');
    for (const stored of reg.stored.values()) {
      expect(V1.table!.cells(external(V1, stored), now)).toEqual(CORE.table!.cells(stored, now));
    }
  });
});
