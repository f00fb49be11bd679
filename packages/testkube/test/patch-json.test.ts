// JSON patch (RFC 6902) with kube-apiserver's decoding errors (400) and its generic 422 for any
// operation that does not apply.
import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ApiError } from '../src/errors.js';
import { applyJsonPatch, jsonClone } from '../src/patch/index.js';

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

const REJECTED = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'the server rejected our request due to an error in our request',
  reason: 'Invalid',
  details: {},
  code: 422,
};

describe('applyJsonPatch: RFC 6902 appendix A', () => {
  const ok: [string, unknown, unknown[], unknown][] = [
    ['A.1 adding an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 adding an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 removing an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 removing an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replacing a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      'A.6 moving a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    ['A.7 moving an array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    [
      'A.8 testing a value: success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    ['A.10 adding a nested member object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    ['A.11 ignoring unrecognized elements', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    ['A.14 ~ escape ordering', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 adding an array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
  ];
  for (const [name, doc, ops, expected] of ok) {
    it(name, () => {
      expect(applyJsonPatch(doc, ops)).toEqual(expected);
    });
  }

  const failing: [string, unknown, unknown[]][] = [
    ['A.9 testing a value: error', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]],
    ['A.12 adding to a nonexistent target', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]],
    ['A.15 comparing strings and numbers', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }]],
  ];
  for (const [name, doc, ops] of failing) {
    it(`${name} -> 422`, () => {
      expect(errorOf(() => applyJsonPatch(doc, ops)).toStatus()).toEqual(REJECTED);
    });
  }
});

describe('applyJsonPatch: details kube clients rely on', () => {
  it('unescapes ~1 and ~0 in keys', () => {
    const doc = { metadata: { annotations: { 'purelb.io/allocated-by': 'PureLB', 'a~b': 'x' } } };
    expect(
      applyJsonPatch(doc, [
        { op: 'remove', path: '/metadata/annotations/purelb.io~1allocated-by' },
        { op: 'replace', path: '/metadata/annotations/a~0b', value: 'y' },
      ]),
    ).toEqual({ metadata: { annotations: { 'a~b': 'y' } } });
  });

  it('appends with - and with the index equal to the length, counts negative indices from the end', () => {
    expect(applyJsonPatch({ l: [1, 2] }, [{ op: 'add', path: '/l/-', value: 3 }])).toEqual({ l: [1, 2, 3] });
    expect(applyJsonPatch({ l: [1, 2] }, [{ op: 'add', path: '/l/2', value: 3 }])).toEqual({ l: [1, 2, 3] });
    expect(applyJsonPatch({ l: [1, 2, 3] }, [{ op: 'remove', path: '/l/-1' }])).toEqual({ l: [1, 2] });
    expect(applyJsonPatch({ l: [1, 2, 3] }, [{ op: 'replace', path: '/l/-3', value: 0 }])).toEqual({ l: [0, 2, 3] });
  });

  it('copies deeply', () => {
    const out = applyJsonPatch({ a: { b: [1] } }, [{ op: 'copy', from: '/a', path: '/c' }]) as any;
    out.c.b.push(2);
    expect(out.a.b).toEqual([1]);
  });

  it('replaces the whole document with an object', () => {
    expect(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }])).toEqual({ b: 2 });
  });

  it('treats a null body as an empty patch', () => {
    expect(applyJsonPatch({ a: 1 }, null)).toEqual({ a: 1 });
  });

  it.each([
    ['replace of a missing key', [{ op: 'replace', path: '/metadata/x', value: 'y' }]],
    ['remove of a missing key', [{ op: 'remove', path: '/metadata/x' }]],
    ['remove beyond the end', [{ op: 'remove', path: '/l/5' }]],
    ['add beyond the end', [{ op: 'add', path: '/l/3', value: 1 }]],
    ['a non-numeric index', [{ op: 'add', path: '/l/x', value: 1 }]],
    ['traversing a scalar', [{ op: 'add', path: '/metadata/name/x', value: 1 }]],
    ['move from a missing path', [{ op: 'move', from: '/nope', path: '/x' }]],
    ['copy without from', [{ op: 'copy', path: '/x' }]],
    ['an unknown op', [{ op: 'frobnicate', path: '/x' }]],
    ['a missing op', [{ path: '/x', value: 1 }]],
    ['a null operation', [null]],
    ['an empty path', [{ op: 'add', path: '', value: {} }]],
    ['a test of a missing path', [{ op: 'test', path: '/metadata/x', value: null }]],
    ['replacing the document with a scalar', [{ op: 'replace', path: '', value: 1 }]],
  ])('answers %s with the generic 422', (_name, ops) => {
    const doc = { metadata: { name: 'x' }, l: [1, 2] };
    expect(errorOf(() => applyJsonPatch(doc, ops)).toStatus()).toEqual(REJECTED);
  });

  it('applies nothing when a later operation fails', () => {
    const doc = { a: 1 };
    expect(() => applyJsonPatch(doc, [{ op: 'add', path: '/b', value: 2 }, { op: 'remove', path: '/c' }])).toThrow(ApiError);
    expect(doc).toEqual({ a: 1 });
  });
});

describe('applyJsonPatch: decoding errors', () => {
  it.each([
    [{ op: 'add', path: '/a', value: 1 }, 'json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp'],
    ['add', 'json: cannot unmarshal string into Go value of type []handlers.jsonPatchOp'],
    [42, 'json: cannot unmarshal number into Go value of type []handlers.jsonPatchOp'],
    [true, 'json: cannot unmarshal bool into Go value of type []handlers.jsonPatchOp'],
    [[1], 'json: cannot unmarshal number into Go value of type handlers.jsonPatchOp'],
    [[[]], 'json: cannot unmarshal array into Go value of type handlers.jsonPatchOp'],
    [[{ op: 1, path: '/a' }], 'json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string'],
    [[{ op: 'add', path: ['a'] }], 'json: cannot unmarshal array into Go struct field jsonPatchOp.path of type string'],
    [[{ op: 'move', from: {}, path: '/a' }], 'json: cannot unmarshal object into Go struct field jsonPatchOp.from of type string'],
  ])('%j -> 400', (body, message) => {
    const err = errorOf(() => applyJsonPatch({}, body));
    expect(err.toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `error decoding patch: ${message}`,
      reason: 'BadRequest',
      code: 400,
    });
  });
});

describe('applyJsonPatch against the recordings (02-services-crud seq 34-42)', () => {
  const file = join(process.cwd(), '..', 'shared', 'kube-api-recordings', '02-services-crud.jsonl');
  const ex = new Map<number, any>(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l))
      .map((e) => [e.seq, e]),
  );
  const strip = (o: any): any => {
    const c = jsonClone(o);
    delete c.metadata.resourceVersion;
    delete c.metadata.managedFields;
    return c;
  };

  it('adds and removes an annotation with ~1 in its key (seq 34, 35)', () => {
    const added = applyJsonPatch(ex.get(31)!.responseBody, ex.get(34)!.requestBody);
    expect(strip(added)).toEqual(strip(ex.get(34)!.responseBody));
    expect(strip(applyJsonPatch(ex.get(34)!.responseBody, ex.get(35)!.requestBody))).toEqual(strip(ex.get(35)!.responseBody));
  });

  it('tests then replaces (seq 36)', () => {
    expect(strip(applyJsonPatch(ex.get(35)!.responseBody, ex.get(36)!.requestBody))).toEqual(strip(ex.get(36)!.responseBody));
  });

  it.each([37, 38, 39])('rejects seq %i with the recorded 422', (seq) => {
    const e = ex.get(seq)!;
    expect(e.status).toBe(422);
    expect(errorOf(() => applyJsonPatch(ex.get(36)!.responseBody, e.requestBody)).toStatus()).toEqual(e.responseBody);
  });

  it('rejects adding under a missing annotations map (seq 40) and accepts adding the map (seq 41)', () => {
    const lbClass = ex.get(33)!.responseBody;
    expect(errorOf(() => applyJsonPatch(lbClass, ex.get(40)!.requestBody)).toStatus()).toEqual(ex.get(40)!.responseBody);
    expect(strip(applyJsonPatch(lbClass, ex.get(41)!.requestBody))).toEqual(strip(ex.get(41)!.responseBody));
  });

  it('rejects a body that is not an array with the recorded 400 (seq 42)', () => {
    expect(errorOf(() => applyJsonPatch(ex.get(36)!.responseBody, ex.get(42)!.requestBody)).toStatus()).toEqual(ex.get(42)!.responseBody);
  });
});

describe('applyJsonPatch properties', () => {
  const key = fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k !== '__proto__');
  const doc = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
  const escape = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');

  it('add then test the same value succeeds, and add then remove of a new key restores the document', () => {
    fc.assert(
      fc.property(doc, key, fc.jsonValue({ maxDepth: 3 }), (d, k, v) => {
        const before = jsonClone(d);
        const path = `/${escape(k)}`;
        const added = applyJsonPatch(d, [
          { op: 'add', path, value: v },
          { op: 'test', path, value: v },
        ]) as Record<string, unknown>;
        expect(added[k]).toEqual(v);
        if (!Object.hasOwn(d, k)) expect(applyJsonPatch(added, [{ op: 'remove', path }])).toEqual(d);
        expect(d).toEqual(before);
      }),
    );
  });

  it('move is copy followed by remove', () => {
    const withKey = doc
      .filter((d) => Object.keys(d).length > 0)
      .chain((d) => fc.tuple(fc.constant(d), fc.constantFrom(...Object.keys(d)), key));
    fc.assert(
      fc.property(withKey, ([d, from, to]) => {
        fc.pre(from !== to);
        const moved = applyJsonPatch(d, [{ op: 'move', from: `/${escape(from)}`, path: `/${escape(to)}` }]);
        const copied = applyJsonPatch(d, [
          { op: 'copy', from: `/${escape(from)}`, path: `/${escape(to)}` },
          { op: 'remove', path: `/${escape(from)}` },
        ]);
        expect(moved).toEqual(copied);
      }),
    );
  });
});
