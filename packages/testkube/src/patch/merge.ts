// JSON merge patch (RFC 7386, `application/merge-patch+json`) plus the small JSON helpers the other
// patch engines share. Everything here treats values as plain JSON and never mutates its inputs.
import { ApiError } from '../errors.js';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Sets a property as an own data property. Plain assignment of `__proto__` would change the
 * prototype instead, and patch bodies are untrusted.
 */
export function setKey(obj: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

export function jsonClone<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => jsonClone(x)) as T;
  if (isJsonObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) setKey(out, k, jsonClone(x));
    return out as T;
  }
  return v;
}

/** Structural equality of JSON values; object key order does not matter, array order does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const ak = Object.keys(a);
    if (ak.length !== Object.keys(b).length) return false;
    for (const k of ak) {
      if (!Object.hasOwn(b, k) || !jsonEqual(a[k], b[k])) return false;
    }
    return true;
  }
  return false;
}

/** The word Go's encoding/json uses for a JSON value's kind in "cannot unmarshal X into ..." errors. */
export function goJsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v; // string, number
}

/** RFC 7386: objects merge recursively, `null` deletes, anything else (lists too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return jsonClone(patch);
  const out: JsonObject = isJsonObject(target) ? jsonClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete out[k];
    } else {
      setKey(out, k, mergePatch(Object.hasOwn(out, k) ? out[k] : undefined, v));
    }
  }
  return out;
}

/**
 * The merge patch that turns `original` into `modified`. Merge patches cannot express a `null`
 * value or a change inside a list, so those are sent as whole values.
 */
export function createMergePatch(original: unknown, modified: unknown): unknown {
  if (!isJsonObject(original) || !isJsonObject(modified)) return jsonClone(modified);
  const patch: JsonObject = {};
  for (const k of Object.keys(original)) {
    if (!Object.hasOwn(modified, k)) setKey(patch, k, null);
  }
  for (const [k, v] of Object.entries(modified)) {
    if (!Object.hasOwn(original, k)) {
      setKey(patch, k, jsonClone(v));
      continue;
    }
    const o = original[k];
    if (jsonEqual(o, v)) continue;
    if (isJsonObject(o) && isJsonObject(v)) {
      setKey(patch, k, createMergePatch(o, v));
    } else {
      setKey(patch, k, jsonClone(v));
    }
  }
  return patch;
}

/**
 * Merge patch as kube-apiserver applies a request body (evanphx/json-patch): a body that is not a
 * JSON object is refused with "Invalid JSON Patch" (400), and nulls inside values the patch
 * inserts are dropped (including inside inserted lists, where RFC 7386 would keep them). Nulls
 * already in the document stay.
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) throw new ApiError(400, 'BadRequest', 'Invalid JSON Patch');
  const out: JsonObject = isJsonObject(doc) ? jsonClone(doc) : {};
  mergeDocs(out, jsonClone(patch));
  return out;
}

function mergeDocs(doc: JsonObject, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete doc[k];
      continue;
    }
    const cur = Object.hasOwn(doc, k) ? doc[k] : null;
    if (cur === null) {
      setKey(doc, k, pruneNulls(v));
    } else if (!isJsonObject(cur)) {
      setKey(doc, k, pruneNulls(v));
    } else if (!isJsonObject(v)) {
      setKey(doc, k, v);
    } else {
      mergeDocs(cur, v);
    }
  }
}

function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === null ? x : pruneNulls(x)));
  if (isJsonObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else setKey(v, k, pruneNulls(x));
    }
  }
  return v;
}
