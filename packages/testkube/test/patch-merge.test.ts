// JSON merge patch: RFC 7386 semantics, the kube-apiserver flavour (evanphx/json-patch) used for
// application/merge-patch+json bodies, and the diff helper.
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { ApiError } from '../src/errors.js';
import { applyMergePatch, createMergePatch, jsonClone, jsonEqual, mergePatch } from '../src/patch/index.js';

describe('mergePatch (RFC 7386)', () => {
  // Appendix A of RFC 7386.
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, expected] of cases) {
    it(`${JSON.stringify(target)} + ${JSON.stringify(patch)} = ${JSON.stringify(expected)}`, () => {
      expect(mergePatch(target, patch)).toEqual(expected);
    });
  }

  it('replaces lists wholesale (recorded 02 seq 33: ports)', () => {
    const target = { spec: { ports: [{ name: 'http', port: 8765, nodePort: 32577 }], type: 'LoadBalancer' } };
    const patch = { spec: { ports: [{ name: 'http', port: 8765, targetPort: 9376 }, { name: 'https', port: 8443, targetPort: 9443 }] } };
    expect(mergePatch(target, patch)).toEqual({ spec: { ports: patch.spec.ports, type: 'LoadBalancer' } });
  });

  it('never mutates target or patch', () => {
    const target = { a: { b: 1 }, l: [1] };
    const patch = { a: { c: 2 }, l: [2] };
    const out = mergePatch(target, patch) as any;
    out.a.b = 99;
    out.l.push(3);
    expect(target).toEqual({ a: { b: 1 }, l: [1] });
    expect(patch).toEqual({ a: { c: 2 }, l: [2] });
  });

  it('keeps __proto__ as a plain key', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}}');
    const out = mergePatch({}, patch) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

/** Merge patches cannot express null values, so generated documents have none in objects. */
function withoutObjectNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutObjectNulls);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x !== null && k !== '__proto__') out[k] = withoutObjectNulls(x);
    }
    return out;
  }
  return v;
}

const jsonDoc = fc.jsonValue({ maxDepth: 4 }).map(withoutObjectNulls);
const jsonObject = fc.dictionary(fc.string({ maxLength: 4 }), jsonDoc, { maxKeys: 5 }).map(withoutObjectNulls);

describe('createMergePatch', () => {
  it('produces a patch that turns the original into the modified document (property)', () => {
    fc.assert(
      fc.property(jsonObject, jsonObject, (original, modified) => {
        expect(mergePatch(original, createMergePatch(original, modified))).toEqual(modified);
      }),
    );
  });

  it('is empty for equal documents and minimal for nested changes', () => {
    expect(createMergePatch({ a: { b: 1, c: 2 } }, { a: { b: 1, c: 2 } })).toEqual({});
    expect(createMergePatch({ a: { b: 1, c: 2 }, d: 1 }, { a: { b: 1, c: 3 } })).toEqual({ a: { c: 3 }, d: null });
  });

  it('makes mergePatch idempotent (property)', () => {
    fc.assert(
      fc.property(jsonObject, jsonObject, (original, modified) => {
        const patch = createMergePatch(original, modified);
        const once = mergePatch(original, patch);
        expect(mergePatch(once, patch)).toEqual(once);
      }),
    );
  });
});

describe('applyMergePatch (kube-apiserver flavour)', () => {
  it.each([null, 'x', 3, true, [1]])('refuses a %p body with 400 Invalid JSON Patch', (body) => {
    let err: unknown;
    try {
      applyMergePatch({ a: 1 }, body);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Invalid JSON Patch',
      reason: 'BadRequest',
      code: 400,
    });
  });

  it('drops nulls inside inserted values, lists included, and keeps the document nulls', () => {
    const doc = { metadata: { creationTimestamp: null }, spec: {} };
    const patch = { spec: { ports: [{ name: null, port: 80 }], selector: { a: null, b: 'x' } } };
    expect(applyMergePatch(doc, patch)).toEqual({ metadata: { creationTimestamp: null }, spec: { ports: [{ port: 80 }], selector: { b: 'x' } } });
  });

  it('deletes with null and merges maps (recorded 02 seq 30/31)', () => {
    const svc = { metadata: { name: 'lb-local', labels: { app: 'example' } } };
    const added = applyMergePatch(svc, { metadata: { annotations: { 'purelb.io/service-group': 'default', 'example.com/owner': 'team-a' } } });
    expect(added).toEqual({ metadata: { name: 'lb-local', labels: { app: 'example' }, annotations: { 'purelb.io/service-group': 'default', 'example.com/owner': 'team-a' } } });
    const removed = applyMergePatch(added, { metadata: { annotations: { 'example.com/owner': null } } });
    expect(removed).toEqual({ metadata: { name: 'lb-local', labels: { app: 'example' }, annotations: { 'purelb.io/service-group': 'default' } } });
  });

  it('agrees with RFC 7386 on null-free object patches (property)', () => {
    fc.assert(
      fc.property(jsonObject, jsonObject, (doc, patch) => {
        const before = jsonClone(doc);
        expect(jsonEqual(applyMergePatch(doc, patch), mergePatch(doc, patch))).toBe(true);
        expect(doc).toEqual(before);
      }),
    );
  });
});
