// JSON patch (RFC 6902, `application/json-patch+json`) with kube-apiserver's error behaviour: the
// body is first decoded into Go's `[]handlers.jsonPatchOp` (type errors are a 400 naming the Go
// type), then applied with evanphx/json-patch, and any failing operation is a 422 with the generic
// "the server rejected our request" Status and empty details (see recordings 02, seq 37-42).
import { ApiError } from '../errors.js';
import { goJsonKind, isJsonObject, jsonClone, jsonEqual, setKey, type JsonObject } from './merge.js';

interface Op {
  op: unknown;
  path: unknown;
  from: unknown;
  value: unknown;
}

class OpFailed extends Error {}

function decodeError(message: string): ApiError {
  return new ApiError(400, 'BadRequest', `error decoding patch: ${message}`);
}

/** What kube answers for any operation that does not apply. */
export function jsonPatchRejected(): ApiError {
  return new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
}

function decodeOps(ops: unknown): Op[] {
  // encoding/json leaves a nil slice for `null`: an empty patch.
  if (ops === null) return [];
  if (!Array.isArray(ops)) {
    throw decodeError(`json: cannot unmarshal ${goJsonKind(ops)} into Go value of type []handlers.jsonPatchOp`);
  }
  return ops.map((raw) => {
    if (raw === null) return { op: undefined, path: undefined, from: undefined, value: null };
    if (!isJsonObject(raw)) {
      throw decodeError(`json: cannot unmarshal ${goJsonKind(raw)} into Go value of type handlers.jsonPatchOp`);
    }
    // Go matches struct fields case-insensitively; evanphx then reads the exact lower-case keys.
    for (const [k, v] of Object.entries(raw)) {
      const field = k.toLowerCase();
      if ((field === 'op' || field === 'path' || field === 'from') && v !== null && typeof v !== 'string') {
        throw decodeError(`json: cannot unmarshal ${goJsonKind(v)} into Go struct field jsonPatchOp.${field} of type string`);
      }
    }
    return {
      op: raw['op'],
      path: raw['path'],
      from: raw['from'],
      value: Object.hasOwn(raw, 'value') ? raw['value'] : null,
    };
  });
}

/**
 * Applies an RFC 6902 patch to a copy of `doc`. Negative array indices count from the end, as
 * evanphx/json-patch allows; `-` appends.
 */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  const decoded = decodeOps(ops);
  const root = { doc: jsonClone(doc) };
  try {
    for (const op of decoded) applyOp(root, op);
  } catch (err) {
    if (err instanceof OpFailed) throw jsonPatchRejected();
    throw err;
  }
  return root.doc;
}

function fail(): never {
  throw new OpFailed();
}

function decodePointerToken(token: string): string {
  return token.replace(/~[01]/g, (m) => (m === '~1' ? '/' : '~'));
}

/** Go's strconv.Atoi: optional sign, decimal digits. */
function parseIndex(key: string): number {
  if (!/^[+-]?\d+$/.test(key)) fail();
  const n = Number(key);
  if (!Number.isSafeInteger(n)) fail();
  return n;
}

type Container = JsonObject | unknown[];

/** The container holding the last token of `path`, and that token (evanphx findObject). */
function findContainer(root: unknown, path: unknown): [Container, string] {
  if (typeof path !== 'string') fail();
  const split = path.split('/');
  if (split.length < 2) fail();
  let cur: unknown = root;
  for (const part of split.slice(1, -1)) {
    const next = getChild(cur, decodePointerToken(part));
    if (next === undefined || next === null || typeof next !== 'object') fail();
    cur = next;
  }
  if (cur === null || typeof cur !== 'object') fail();
  return [cur as Container, decodePointerToken(split[split.length - 1] as string)];
}

function getChild(container: unknown, key: string): unknown {
  if (Array.isArray(container)) {
    let idx = parseIndex(key);
    if (idx < 0) {
      if (idx < -container.length) fail();
      idx += container.length;
    }
    if (idx >= container.length) fail();
    return container[idx];
  }
  if (isJsonObject(container)) return Object.hasOwn(container, key) ? container[key] : undefined;
  return undefined;
}

function containerGet(c: Container, key: string): unknown {
  const v = getChild(c, key);
  if (v === undefined) fail();
  return v;
}

function containerAdd(c: Container, key: string, value: unknown): void {
  if (!Array.isArray(c)) {
    setKey(c, key, value);
    return;
  }
  if (key === '-') {
    c.push(value);
    return;
  }
  let idx = parseIndex(key);
  const size = c.length + 1;
  if (idx >= size) fail();
  if (idx < 0) {
    if (idx < -size) fail();
    idx += size;
  }
  c.splice(idx, 0, value);
}

function containerRemove(c: Container, key: string): void {
  if (!Array.isArray(c)) {
    if (!Object.hasOwn(c, key)) fail();
    delete c[key];
    return;
  }
  let idx = parseIndex(key);
  if (idx >= c.length) fail();
  if (idx < 0) {
    if (idx < -c.length) fail();
    idx += c.length;
  }
  c.splice(idx, 1);
}

function containerReplace(c: Container, key: string, value: unknown): void {
  if (!Array.isArray(c)) {
    // RFC 6902 4.3: the target location MUST exist.
    if (!Object.hasOwn(c, key)) fail();
    setKey(c, key, value);
    return;
  }
  let idx = parseIndex(key);
  if (idx < 0) {
    if (idx < -c.length) fail();
    idx += c.length;
  }
  if (idx >= c.length) fail();
  c[idx] = value;
}

function applyOp(root: { doc: unknown }, op: Op): void {
  switch (op.op) {
    case 'add': {
      const [c, key] = findContainer(root.doc, op.path);
      containerAdd(c, key, jsonClone(op.value));
      return;
    }
    case 'remove': {
      const [c, key] = findContainer(root.doc, op.path);
      containerRemove(c, key);
      return;
    }
    case 'replace': {
      if (op.path === '') {
        // Replacing the whole document is allowed for objects and arrays only.
        if (op.value === null || typeof op.value !== 'object') fail();
        root.doc = jsonClone(op.value);
        return;
      }
      const [c, key] = findContainer(root.doc, op.path);
      containerReplace(c, key, jsonClone(op.value));
      return;
    }
    case 'move': {
      if (typeof op.from !== 'string') fail();
      const [fc, fkey] = findContainer(root.doc, op.from);
      const value = containerGet(fc, fkey);
      containerRemove(fc, fkey);
      const [tc, tkey] = findContainer(root.doc, op.path);
      containerAdd(tc, tkey, value);
      return;
    }
    case 'copy': {
      if (typeof op.from !== 'string') fail();
      const [fc, fkey] = findContainer(root.doc, op.from);
      const value = containerGet(fc, fkey);
      const [tc, tkey] = findContainer(root.doc, op.path);
      containerAdd(tc, tkey, jsonClone(value));
      return;
    }
    case 'test': {
      if (op.path === '') {
        if (!jsonEqual(root.doc, op.value)) fail();
        return;
      }
      const [c, key] = findContainer(root.doc, op.path);
      const actual = getChild(c, key);
      // RFC 6902 4.6: a missing target fails; an absent "value" compares as null.
      if (actual === undefined || !jsonEqual(actual, op.value)) fail();
      return;
    }
    default:
      fail();
  }
}
