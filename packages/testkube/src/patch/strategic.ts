// Strategic merge patch (`application/strategic-merge-patch+json`) as k8s.io/apimachinery's
// strategicpatch package applies it server side (MergeParallelList and IgnoreUnmatchedNulls on):
// maps merge recursively, null deletes, lists merge by their patchMergeKey or are replaced, and the
// directives $patch, $retainKeys, $setElementOrder/<list> and $deleteFromPrimitiveList/<list>
// steer the merge. The ordering rules are kube's, e.g. list items the live object lacks come first
// unless $setElementOrder says otherwise (the recorded SMP of Node status.addresses prepends).
import { ApiError } from '../errors.js';
import { goJsonKind, isJsonObject, jsonClone, setKey, type JsonObject } from './merge.js';
import {
  fieldSchema,
  isListSchema,
  objectSchema,
  type StrategicFieldSchema,
  type StrategicPatchSchema,
} from './strategic-schema.js';

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList';
const setElementOrderPrefix = '$setElementOrder';

// ---- errors, worded like mergepatch's and mapped to HTTP the way the patch handler maps them ----

function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** ErrNoListOfLists / ErrPatchContentNotMatchRetainKeys become a generic 422. */
function genericInvalid(): ApiError {
  return new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
}

/** Any other merge error is a plain Go error, which the apiserver answers with a reason-less 500. */
function internal(message: string): ApiError {
  return new ApiError(500, undefined, message);
}

/** Go's `%v` rendering of decoded JSON, used inside error messages. */
export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isJsonObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`;
  }
  return String(v);
}

function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (isJsonObject(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  return 'string';
}

function errBadArgType(expected: string, actual: unknown): ApiError {
  return internal(`expected a ${expected}, but received a ${goTypeName(actual)}`);
}

function errNoMergeKey(m: unknown, key: string): ApiError {
  return internal(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
}

function errBadPatchType(t: unknown, m: unknown): ApiError {
  return internal(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`);
}

// ---- helpers -----------------------------------------------------------------------------------

type Kind = 'map' | 'slice' | 'string' | 'number' | 'bool' | 'nil';

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'slice';
  if (isJsonObject(v)) return 'map';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  return 'string';
}

function isDirectiveKey(k: string): boolean {
  return (
    k === directiveMarker ||
    k === retainKeysDirective ||
    k.startsWith(`${setElementOrderPrefix}/`) ||
    k.startsWith(`${deleteFromPrimitiveListPrefix}/`)
  );
}

/** discardNullValuesFromPatch: nulls mean "delete", which is moot where nothing exists yet. */
function discardNulls(v: unknown): void {
  if (Array.isArray(v)) {
    for (const x of v) discardNulls(x);
  } else if (isJsonObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else discardNulls(x);
    }
  }
}

/**
 * removeDirectives: a value taken from the patch as is must not carry directives into the object.
 * Maps marked `$patch: delete` vanish; other directive keys are dropped (kube's typed decoding
 * would drop them too), and a `$patch: replace` map keeps its content.
 */
function removeDirectives(v: unknown): { keep: boolean; value: unknown } {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const r = removeDirectives(x);
      if (r.keep) out.push(r.value);
    }
    return { keep: true, value: out };
  }
  if (isJsonObject(v)) {
    if (Object.hasOwn(v, directiveMarker) && v[directiveMarker] === 'delete') return { keep: false, value: undefined };
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      if (isDirectiveKey(k)) continue;
      const r = removeDirectives(x);
      if (r.keep) setKey(out, k, r.value);
    }
    return { keep: true, value: out };
  }
  return { keep: true, value: v };
}

/** A patch value stored where the original has nothing comparable. */
function takePatchValue(original: JsonObject, key: string, patchV: unknown): void {
  discardNulls(patchV);
  const r = removeDirectives(patchV);
  if (r.keep) setKey(original, key, r.value);
  else delete original[key];
}

/** Splits `$prefix/field` into `field`; anything else is a malformed directive (400). */
function extractKey(s: string, prefix: string, malformed: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) throw badRequest(malformed);
  return s.slice(slash + 1);
}

// ---- entry point -------------------------------------------------------------------------------

/**
 * Applies a strategic merge patch to a copy of `original`. `schema` describes the kind's patch
 * strategies (see strategic-schema.ts); fields it does not mention merge like JSON merge patch.
 */
export function strategicMergePatch(original: unknown, patch: unknown, schema: StrategicPatchSchema | undefined): unknown {
  // The handler decodes the body into map[string]interface{}: null leaves it empty, other kinds fail.
  if (patch === null) return jsonClone(original);
  if (!isJsonObject(patch)) {
    throw badRequest(`json: cannot unmarshal ${goJsonKind(patch)} into Go value of type map[string]interface {}`);
  }
  const orig = isJsonObject(original) ? jsonClone(original) : {};
  return mergeMap(orig, jsonClone(patch), schema);
}

function mergeMap(original: JsonObject, patch: JsonObject, schema: StrategicPatchSchema | undefined): JsonObject {
  if (Object.hasOwn(patch, directiveMarker)) return handleDirectiveInMergeMap(patch[directiveMarker], patch);

  applyRetainKeysDirective(original, patch);
  mergePatchIntoOriginal(original, patch, schema);

  for (const [rawKey, patchV] of Object.entries(patch)) {
    let k = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(deleteFromPrimitiveListPrefix)) {
      k = extractKey(rawKey, deleteFromPrimitiveListPrefix, 'invalid patch format of primitive list');
      isDeleteList = true;
    }

    if (patchV === null) {
      delete original[k];
      continue;
    }

    if (!Object.hasOwn(original, k)) {
      if (!isDeleteList) takePatchValue(original, k, patchV);
      continue;
    }

    const origV = original[k];
    const kind = kindOf(origV);
    if (kind !== kindOf(patchV)) {
      if (!isDeleteList) takePatchValue(original, k, patchV);
      continue;
    }

    const fs = fieldSchema(schema, k);
    if (kind === 'map') {
      setKey(original, k, mergeMap(origV as JsonObject, patchV as JsonObject, objectSchema(fs)));
    } else if (kind === 'slice') {
      setKey(original, k, mergeSliceHandler(origV as unknown[], patchV as unknown[], fs, isDeleteList));
    } else {
      setKey(original, k, patchV);
    }
  }
  return original;
}

function handleDirectiveInMergeMap(directive: unknown, patch: JsonObject): JsonObject {
  if (directive === 'replace') {
    delete patch[directiveMarker];
    discardNulls(patch);
    return removeDirectives(patch).value as JsonObject;
  }
  // kube leaves an empty map behind, it does not remove the field.
  if (directive === 'delete') return {};
  throw errBadPatchType(directive, patch);
}

function applyRetainKeysDirective(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, retainKeysDirective)) return;
  const list = patch[retainKeysDirective];
  delete patch[retainKeysDirective];
  if (!Array.isArray(list)) throw badRequest('invalid patch format of retainKeys');
  const retained = new Set<unknown>(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(deleteFromPrimitiveListPrefix) || k.startsWith(setElementOrderPrefix)) continue;
    if (!retained.has(k)) throw genericInvalid();
  }
  for (const k of Object.keys(original)) {
    if (!retained.has(k)) delete original[k];
  }
}

/** $setElementOrder/<list>: merges that list now and puts it in the order the directive gives. */
function mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, schema: StrategicPatchSchema | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(setElementOrderPrefix)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw errBadArgType('[]interface {}', order);
    const field = extractKey(key, setElementOrderPrefix, 'invalid patch format of setElementOrder list');

    const foundOriginal = Object.hasOwn(original, field);
    const foundPatch = Object.hasOwn(patch, field);
    let originalList: unknown[] = [];
    let patchList: unknown[] = [];
    if (foundOriginal) {
      const v = original[field];
      if (!Array.isArray(v)) throw errBadArgType('[]interface {}', v);
      originalList = v;
    }
    if (foundPatch) {
      const v = patch[field];
      if (!Array.isArray(v)) throw errBadArgType('[]interface {}', v);
      patchList = v;
    }
    const fs = fieldSchema(schema, field);
    const mergeKey = isListSchema(fs) ? (fs.list.mergeKey ?? '') : '';
    validatePatchWithSetOrderList(patchList, order, mergeKey);

    let merged: unknown[];
    if (foundOriginal && !foundPatch) {
      merged = originalList;
    } else if (!foundOriginal && foundPatch) {
      merged = removeDirectives(patchList).value as unknown[];
    } else if (foundOriginal && foundPatch) {
      merged = mergeSliceHandler(originalList, patchList, fs, false);
    } else {
      continue;
    }

    const [patchItems, serverOnly] =
      mergeKey === '' ? partitionPrimitives(merged, order) : partitionMaps(merged, order, mergeKey);
    const kind = sliceElementKind(originalList, patchList);
    setKey(original, field, normalizeElementOrder(patchItems, serverOnly, order, originalList, mergeKey, kind));
    delete patch[field];
  }
}

function validatePatchWithSetOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey === '' ? patchList : extractToDeleteItems(patchList)[0];
  let p = 0;
  let o = 0;
  while (p < nonDelete.length && o < order.length) {
    if (isJsonObject(nonDelete[p]) && Object.hasOwn(nonDelete[p] as JsonObject, directiveMarker)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(nonDelete[p], order[o], mergeKey)) p++;
    o++;
  }
  if (p < nonDelete.length && o >= order.length) {
    throw internal(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${setElementOrderPrefix} list:\n${goFormat(order)}\n`,
    );
  }
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (mergeKey === '') return left === right;
  if (!isJsonObject(left)) throw errBadArgType('map[string]interface {}', left);
  if (!isJsonObject(right)) throw errBadArgType('map[string]interface {}', right);
  if (!Object.hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

function mergeSliceHandler(
  original: unknown[],
  patch: unknown[],
  fs: StrategicFieldSchema | undefined,
  isDeleteList: boolean,
): unknown[] {
  if (isListSchema(fs) && fs.list.strategy === 'merge') {
    return mergeSlice(original, patch, fs.list.mergeKey ?? '', fs.list.items, isDeleteList);
  }
  // Without a merge strategy the patch list replaces the live one (a deletion list too, as in kube).
  discardNulls(patch);
  return removeDirectives(patch).value as unknown[];
}

/** sliceElementType: all items of both lists must have one kind, and lists of lists are refused. */
function sliceElementKind(...lists: unknown[][]): Kind {
  let prev: Kind | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = kindOf(v);
      if (prev === undefined) {
        if (k === 'slice') throw genericInvalid();
        prev = k;
      } else if (k !== prev) {
        throw internal(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  if (prev === undefined) throw internal('no elements in any of the given slices');
  return prev;
}

function mergeSlice(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
  items: StrategicPatchSchema | undefined,
  isDeleteList: boolean,
): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);

  let merged: unknown[];
  if (kind !== 'map') {
    if (isDeleteList) {
      const drop = new Set(patch);
      return original.filter((v) => !drop.has(v));
    }
    merged = dedupe([...original, ...patch]);
  } else {
    if (mergeKey === '') throw internal('cannot merge lists without merge key for type map');
    [original, patch] = mergeSliceWithSpecialElements(original, patch, mergeKey);
    merged = mergeSliceWithoutSpecialElements(original, patch, mergeKey, items);
  }

  const [patchItems, serverOnly] =
    mergeKey === '' ? partitionPrimitives(merged, patch) : partitionMaps(merged, patch, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
}

function dedupe(list: unknown[]): unknown[] {
  const seen = new Set<unknown>();
  const out: unknown[] = [];
  for (const v of list) {
    if (seen.has(v)) continue;
    seen.add(v);
    out.push(v);
  }
  return out;
}

/** Handles `$patch: delete` / `$patch: replace` items; returns the new original and patch lists. */
function mergeSliceWithSpecialElements(original: unknown[], patch: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const plain: unknown[] = [];
  let replace = false;
  for (const v of patch) {
    const item = v as JsonObject;
    if (!Object.hasOwn(item, directiveMarker)) {
      plain.push(v);
      continue;
    }
    const directive = item[directiveMarker];
    if (directive === 'delete') {
      if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
      const value = item[mergeKey];
      original = original.filter((o) => {
        if (!isJsonObject(o)) throw internal('value for key is not a map.');
        return !(Object.hasOwn(o, mergeKey) && o[mergeKey] === value);
      });
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw internal('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(directive, item);
    }
  }
  if (replace) return [plain.map((v) => removeDirectives(v).value), []];
  return [original, plain];
}

function mergeSliceWithoutSpecialElements(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
  items: StrategicPatchSchema | undefined,
): unknown[] {
  const out = [...original];
  for (const v of patch) {
    const item = v as JsonObject;
    if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    const idx = findByKey(out, mergeKey, item[mergeKey]);
    if (idx >= 0) {
      out[idx] = mergeMap(out[idx] as JsonObject, item, items);
    } else {
      discardNulls(item);
      out.push(removeDirectives(item).value);
    }
  }
  return out;
}

function findByKey(list: unknown[], mergeKey: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const o = list[i];
    if (!isJsonObject(o)) throw internal(`value for key ${i} is not a map.`);
    if (Object.hasOwn(o, mergeKey) && o[mergeKey] === value) return i;
  }
  return -1;
}

function partitionPrimitives(list: unknown[], by: unknown[]): [unknown[], unknown[]] {
  const inBy = new Set(by);
  return [list.filter((v) => inBy.has(v)), list.filter((v) => !inBy.has(v))];
}

function partitionMaps(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const present: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) {
    if (!isJsonObject(v)) throw errBadArgType('map[string]interface {}', v);
    if (!Object.hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    if (findByKey(by, mergeKey, v[mergeKey]) >= 0) present.push(v);
    else serverOnly.push(v);
  }
  return [present, serverOnly];
}

/** Position of `item` in `list`, comparing merge key values for maps and the items otherwise. */
function indexOfItem(list: unknown[], item: unknown, mergeKey: string, kind: Kind): number {
  const val = (x: unknown): unknown => (kind === 'map' ? (isJsonObject(x) ? x[mergeKey] : undefined) : x);
  const want = val(item);
  for (let i = 0; i < list.length; i++) if (val(list[i]) === want) return i;
  return -1;
}

function extractToDeleteItems(list: unknown[]): [unknown[], unknown[]] {
  const keep: unknown[] = [];
  const del: unknown[] = [];
  for (const v of list) {
    if (!isJsonObject(v)) throw errBadArgType('map[string]interface {}', v);
    if (Object.hasOwn(v, directiveMarker) && v[directiveMarker] === 'delete') del.push(v);
    else keep.push(v);
  }
  return [keep, del];
}

function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: Kind): unknown[] {
  let del: unknown[] = [];
  if (kind === 'map') {
    for (const list of [toSort, order]) {
      for (const v of list) {
        if (!isJsonObject(v)) throw errBadArgType('map[string]interface {}', v);
        if (!Object.hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      }
    }
    [toSort, del] = extractToDeleteItems(toSort);
  }
  const sorted = toSort
    .map((v, i) => ({ v, i, at: indexOfItem(order, v, mergeKey, kind) }))
    .sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : a.i - b.i))
    .map((x) => x.v);
  return [...sorted, ...del];
}

/**
 * Sorts the patch items by the patch (or $setElementOrder) order and the server-only items by the
 * live order, then interleaves them: a server-only item goes before a patch item only when both are
 * in the live list in that order, so patch items that are new to the list end up first.
 */
function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: Kind,
): unknown[] {
  const right = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) {
      out.push(right[j++]);
    } else if (j >= right.length) {
      out.push(left[i++]);
    } else {
      const li = indexOfItem(serverOrder, left[i], mergeKey, kind);
      const ri = indexOfItem(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}
