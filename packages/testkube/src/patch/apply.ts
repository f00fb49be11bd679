// Server-side apply and managedFields bookkeeping, modelled on sigs.k8s.io/structured-merge-diff
// and the apiserver's fieldmanager: field sets in the FieldsV1 format, ownership per manager
// (manager + operation + apiVersion for updates + subresource), conflicts on apply, pruning of
// fields an applier stopped applying. Simplified where kube's machinery is about versions and
// conversions we do not have, faithful in what clients can see.
import { ApiError, type FieldCause } from '../errors.js';
import type { KubeObject } from '../resources/types.js';
import { goJsonKind, isJsonObject, jsonClone, jsonEqual, setKey, type JsonObject } from './merge.js';
import {
  builtinStrategicSchemas,
  builtinZeroObjects,
  fieldSchema,
  isAtomicSchema,
  isListSchema,
  objectMetaSchema,
  objectSchema,
  type StrategicFieldSchema,
  type StrategicPatchSchema,
} from './strategic-schema.js';

// ---- field paths and sets ----------------------------------------------------------------------

/** One path element, spelled as its FieldsV1 key: `f:name`, `k:{"port":80}`, `v:"x"`, `i:3`. */
type PathElement = string;
type FieldPath = readonly PathElement[];

export class FieldSet {
  private readonly members = new Map<string, FieldPath>();

  static from(paths: Iterable<FieldPath>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.add(p);
    return s;
  }

  /** Parses a FieldsV1 object: `{}` leaves and `"."` entries are members. */
  static fromFieldsV1(fields: unknown): FieldSet {
    const s = new FieldSet();
    const walk = (node: JsonObject, prefix: FieldPath): void => {
      for (const [k, v] of Object.entries(node)) {
        if (k === '.') {
          if (prefix.length > 0) s.add(prefix);
          continue;
        }
        if (!isJsonObject(v)) continue;
        const path = [...prefix, k];
        if (Object.keys(v).length === 0) s.add(path);
        else walk(v, path);
      }
    };
    if (isJsonObject(fields)) walk(fields, []);
    return s;
  }

  add(path: FieldPath): void {
    if (path.length > 0) this.members.set(JSON.stringify(path), path);
  }

  has(path: FieldPath): boolean {
    return this.members.has(JSON.stringify(path));
  }

  get size(): number {
    return this.members.size;
  }

  isEmpty(): boolean {
    return this.members.size === 0;
  }

  paths(): FieldPath[] {
    return [...this.members.values()].sort(comparePaths);
  }

  union(other: FieldSet): FieldSet {
    const s = FieldSet.from(this.members.values());
    for (const p of other.members.values()) s.add(p);
    return s;
  }

  difference(other: FieldSet): FieldSet {
    const s = new FieldSet();
    for (const [k, p] of this.members) if (!other.members.has(k)) s.members.set(k, p);
    return s;
  }

  intersection(other: FieldSet): FieldSet {
    const s = new FieldSet();
    for (const [k, p] of this.members) if (other.members.has(k)) s.members.set(k, p);
    return s;
  }

  /** Removes `paths` and everything below them. */
  recursiveDifference(prefixes: readonly FieldPath[]): FieldSet {
    const s = new FieldSet();
    for (const [k, p] of this.members) {
      if (!prefixes.some((pre) => isPrefix(pre, p))) s.members.set(k, p);
    }
    return s;
  }

  /** Whether `path` or anything below it is a member. */
  coversOrContains(path: FieldPath): boolean {
    for (const p of this.members.values()) if (isPrefix(path, p)) return true;
    return false;
  }

  toFieldsV1(): JsonObject {
    interface Node {
      member: boolean;
      children: Map<PathElement, Node>;
    }
    const root: Node = { member: false, children: new Map() };
    for (const p of this.members.values()) {
      let n = root;
      for (const pe of p) {
        let c = n.children.get(pe);
        if (!c) {
          c = { member: false, children: new Map() };
          n.children.set(pe, c);
        }
        n = c;
      }
      n.member = true;
    }
    const render = (n: Node): JsonObject => {
      const out: JsonObject = {};
      if (n.member && n.children.size > 0) out['.'] = {};
      for (const pe of [...n.children.keys()].sort(comparePathElements)) {
        setKey(out, pe, render(n.children.get(pe) as Node));
      }
      return out;
    };
    return render(root);
  }
}

function isPrefix(prefix: FieldPath, path: FieldPath): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== path[i]) return false;
  return true;
}

const categoryOrder: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function compareScalars(a: unknown, b: unknown): number {
  const rank = (v: unknown): number =>
    v === null ? 0 : typeof v === 'boolean' ? 1 : typeof v === 'number' ? 2 : typeof v === 'string' ? 3 : 4;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** structured-merge-diff's PathElement order: fields, then keys, values and indices. */
function comparePathElements(a: PathElement, b: PathElement): number {
  const ca = categoryOrder[a[0] ?? ''] ?? 9;
  const cb = categoryOrder[b[0] ?? ''] ?? 9;
  if (ca !== cb) return ca - cb;
  const ra = a.slice(2);
  const rb = b.slice(2);
  try {
    if (a[0] === 'k') {
      const ka = JSON.parse(ra) as JsonObject;
      const kb = JSON.parse(rb) as JsonObject;
      const na = Object.keys(ka).sort();
      const nb = Object.keys(kb).sort();
      for (let i = 0; i < Math.min(na.length, nb.length); i++) {
        const x = na[i] as string;
        const y = nb[i] as string;
        if (x !== y) return x < y ? -1 : 1;
        const c = compareScalars(ka[x], kb[y]);
        if (c !== 0) return c;
      }
      return na.length - nb.length;
    }
    if (a[0] === 'v') return compareScalars(JSON.parse(ra), JSON.parse(rb));
    if (a[0] === 'i') return Number(ra) - Number(rb);
  } catch {
    // Malformed keys from a client: fall back to plain string order.
  }
  return ra < rb ? -1 : ra > rb ? 1 : 0;
}

function comparePaths(a: FieldPath, b: FieldPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = comparePathElements(a[i] as string, b[i] as string);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Go's %q for the strings kube prints in paths. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

function valueString(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** fieldpath.Path.String(): `.metadata.annotations.x`, `.spec.ports[port=80,protocol="TCP"]`. */
export function fieldPathString(path: FieldPath): string {
  return path
    .map((pe) => {
      const rest = pe.slice(2);
      switch (pe[0]) {
        case 'f':
          return `.${rest}`;
        case 'k': {
          const key = JSON.parse(rest) as JsonObject;
          return `[${Object.keys(key)
            .sort()
            .map((k) => `${k}=${valueString(key[k])}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${valueString(JSON.parse(rest))}]`;
        default:
          return `[${rest}]`;
      }
    })
    .join('');
}

// ---- typed view of JSON objects ----------------------------------------------------------------

type NodeType =
  | { t: 'scalar' }
  | { t: 'atomic' }
  | { t: 'object'; schema: StrategicPatchSchema | undefined; map: boolean }
  | { t: 'assoc'; keys: readonly string[]; defaults: Readonly<Record<string, unknown>>; items: StrategicPatchSchema | undefined }
  | { t: 'set' };

const scalarType: NodeType = { t: 'scalar' };
const atomicType: NodeType = { t: 'atomic' };

/** The type of a position, from its field schema and (for unknown fields) the value found there. */
function resolve(fs: StrategicFieldSchema | undefined, sample: unknown): NodeType {
  if (isAtomicSchema(fs)) return atomicType;
  if (Array.isArray(sample)) {
    if (isListSchema(fs)) {
      const l = fs.list;
      const keys = l.keys ?? (l.mergeKey !== undefined ? [l.mergeKey] : undefined);
      if (keys) return { t: 'assoc', keys, defaults: l.keyDefaults ?? {}, items: l.items };
      if (l.strategy === 'merge') return { t: 'set' };
    }
    return atomicType;
  }
  if (isJsonObject(sample)) {
    if (isListSchema(fs)) return atomicType;
    const schema = objectSchema(fs);
    return { t: 'object', schema, map: schema !== undefined && Object.hasOwn(schema, '*') };
  }
  return scalarType;
}

function childSchema(type: NodeType, key: string): StrategicFieldSchema | undefined {
  return type.t === 'object' ? fieldSchema(type.schema, key) : undefined;
}

function itemSchema(type: NodeType): StrategicFieldSchema | undefined {
  return type.t === 'assoc' ? type.items : undefined;
}

/** Raised where structured-merge-diff refuses an object (duplicate or missing list keys). */
class FieldPathError extends Error {}

function itemPathElement(type: NodeType, item: unknown, path: FieldPath): PathElement {
  if (type.t === 'set') {
    if (item !== null && typeof item === 'object') {
      throw new FieldPathError(`${fieldPathString(path)}: expected a scalar set item, got ${goJsonKind(item)}`);
    }
    return `v:${JSON.stringify(item)}`;
  }
  if (type.t !== 'assoc') throw new FieldPathError('not a keyed list');
  if (!isJsonObject(item)) {
    throw new FieldPathError(`${fieldPathString(path)}: associative list with keys has an element that is not a map`);
  }
  const key: JsonObject = {};
  for (const k of [...type.keys].sort()) {
    if (Object.hasOwn(item, k) && item[k] !== null) setKey(key, k, item[k]);
    else if (Object.hasOwn(type.defaults, k)) setKey(key, k, type.defaults[k]);
    else {
      throw new FieldPathError(
        `${fieldPathString(path)}: associative list with keys has an element that omits key field ${goQuote(k)} (and doesn't have default value)`,
      );
    }
  }
  return `k:${JSON.stringify(key)}`;
}

/** Path elements of a keyed list's items; duplicates are refused like kube 1.28 does. */
function indexList(type: NodeType, list: unknown[], path: FieldPath): Map<PathElement, unknown> {
  const out = new Map<PathElement, unknown>();
  for (const item of list) {
    const pe = itemPathElement(type, item, path);
    if (out.has(pe)) throw new FieldPathError(`${fieldPathString(path)}: duplicate entries for key ${fieldPathString([pe])}`);
    out.set(pe, item);
  }
  return out;
}

/** ToFieldSet: the fields an applied configuration specifies. */
function toFieldSet(value: unknown, fs: StrategicFieldSchema | undefined, path: FieldPath, out: FieldSet): void {
  const type = resolve(fs, value);
  switch (type.t) {
    case 'scalar':
    case 'atomic':
      out.add(path);
      return;
    case 'object':
      for (const [k, v] of Object.entries(value as JsonObject)) {
        const child = [...path, `f:${k}`];
        toFieldSet(v, childSchema(type, k), child, out);
        // Entries of maps with arbitrary keys are owned as such; struct fields only through leaves.
        if (type.map) out.add(child);
      }
      return;
    case 'assoc':
    case 'set':
      for (const [pe, item] of indexList(type, value as unknown[], path)) {
        const child = [...path, pe];
        toFieldSet(item, itemSchema(type), child, out);
        out.add(child);
      }
      return;
  }
}

interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * typed.Compare: a path is added when absent on the left, removed when absent on the right,
 * modified when a leaf (scalar or atomic value) differs. `undefined` is "absent"; `null` is a value.
 */
function compare(lhs: unknown, rhs: unknown, fs: StrategicFieldSchema | undefined): Comparison {
  const cmp: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareNode([], lhs, rhs, fs, cmp);
  return cmp;
}

function shapeOf(v: unknown): 'object' | 'array' | 'scalar' | 'null' {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return isJsonObject(v) ? 'object' : 'scalar';
}

function compareNode(path: FieldPath, lhs: unknown, rhs: unknown, fs: StrategicFieldSchema | undefined, cmp: Comparison): void {
  if (lhs === undefined && rhs === undefined) return;
  const sample = rhs !== undefined && rhs !== null ? rhs : lhs;
  const type = resolve(fs, sample);
  const ls = shapeOf(lhs);
  const rs = shapeOf(rhs);
  const compatible = lhs === undefined || rhs === undefined || ls === 'null' || rs === 'null' || ls === rs;

  const doLeaf = (): void => {
    if (lhs === undefined) cmp.added.add(path);
    else if (rhs === undefined) cmp.removed.add(path);
    else if (!jsonEqual(lhs, rhs)) cmp.modified.add(path);
  };

  if (type.t === 'scalar' || type.t === 'atomic' || !compatible) {
    doLeaf();
    return;
  }

  if (type.t === 'object') {
    const lm = isJsonObject(lhs) ? lhs : undefined;
    const rm = isJsonObject(rhs) ? rhs : undefined;
    const lEmpty = !lm || Object.keys(lm).length === 0;
    const rEmpty = !rm || Object.keys(rm).length === 0;
    if (lEmpty && rEmpty) {
      // Empty and null stay distinguishable as leaves.
      doLeaf();
      return;
    }
    const keys = new Set([...Object.keys(lm ?? {}), ...Object.keys(rm ?? {})]);
    for (const k of keys) {
      const lv = lm && Object.hasOwn(lm, k) ? lm[k] : undefined;
      const rv = rm && Object.hasOwn(rm, k) ? rm[k] : undefined;
      compareNode([...path, `f:${k}`], lv, rv, childSchema(type, k), cmp);
    }
  } else {
    const la = Array.isArray(lhs) ? lhs : [];
    const ra = Array.isArray(rhs) ? rhs : [];
    if (la.length === 0 && ra.length === 0) {
      doLeaf();
      return;
    }
    const li = indexList(type, la, path);
    const ri = indexList(type, ra, path);
    const pes = [...li.keys(), ...[...ri.keys()].filter((pe) => !li.has(pe))];
    for (const pe of pes) compareNode([...path, pe], li.get(pe), ri.get(pe), itemSchema(type), cmp);
  }
  if (lhs === undefined) cmp.added.add(path);
  else if (rhs === undefined) cmp.removed.add(path);
}

/**
 * Merges an applied configuration into the live object: the configuration wins for scalars and
 * atomic values, maps merge, keyed lists merge by key (live order kept, new items placed where the
 * configuration puts them, as structured-merge-diff orders them).
 */
function ssaMerge(lhs: unknown, rhs: unknown, fs: StrategicFieldSchema | undefined, path: FieldPath): unknown {
  if (rhs === undefined) return lhs;
  if (rhs === null) return null;
  if (lhs === undefined || lhs === null) return withoutNulls(jsonClone(rhs));
  const type = resolve(fs, rhs);
  if (type.t === 'scalar' || type.t === 'atomic' || shapeOf(lhs) !== shapeOf(rhs)) return withoutNulls(jsonClone(rhs));

  if (type.t === 'object') {
    const out = jsonClone(lhs) as JsonObject;
    for (const [k, rv] of Object.entries(rhs as JsonObject)) {
      const lv = Object.hasOwn(out, k) ? out[k] : undefined;
      const merged = ssaMerge(lv, rv, childSchema(type, k), [...path, `f:${k}`]);
      if (merged === null && rv === null) delete out[k];
      else setKey(out, k, merged);
    }
    return out;
  }

  const lhsList = lhs as unknown[];
  const rhsList = rhs as unknown[];
  const lIndex = indexList(type, lhsList, path);
  const rIndex = indexList(type, rhsList, path);
  const lPEs = [...lIndex.keys()];
  const rPEs = [...rIndex.keys()];
  const mergeItem = (pe: PathElement): unknown =>
    type.t === 'set' ? (rIndex.has(pe) ? rIndex.get(pe) : lIndex.get(pe)) : ssaMerge(lIndex.get(pe), rIndex.get(pe), itemSchema(type), [...path, pe]);

  const out: unknown[] = [];
  const shared = rPEs.filter((pe) => lIndex.has(pe));
  let nextShared = shared.shift();
  const mergedRhs = new Set<PathElement>();
  let l = 0;
  let r = 0;
  while (l < lPEs.length || r < rPEs.length) {
    if (l < lPEs.length && r < rPEs.length) {
      const pe = lPEs[l] as PathElement;
      if (pe === rPEs[r]) {
        mergedRhs.add(pe);
        out.push(mergeItem(pe));
        l++;
        r++;
        nextShared = shared.shift();
        continue;
      }
      if (rIndex.has(pe) && nextShared !== undefined && nextShared !== pe) {
        // A shared item the configuration wants later: it is emitted when the configuration gets there.
        l++;
        continue;
      }
    }
    if (l < lPEs.length) {
      const pe = lPEs[l] as PathElement;
      if (!rIndex.has(pe)) {
        out.push(lIndex.get(pe));
        l++;
        continue;
      }
      if (mergedRhs.has(pe)) {
        l++;
        continue;
      }
    }
    if (r < rPEs.length) {
      const pe = rPEs[r] as PathElement;
      mergedRhs.add(pe);
      out.push(mergeItem(pe));
      r++;
      if (nextShared === pe) nextShared = shared.shift();
    }
  }
  return out;
}

function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (isJsonObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else setKey(v, k, withoutNulls(x));
    }
  }
  return v;
}

/**
 * Removes the members of `remove` from `value`. Maps and lists that pruning empties disappear too
 * (Go would omit them), except top-level fields such as `spec`.
 */
function removePaths(value: unknown, fs: StrategicFieldSchema | undefined, path: FieldPath, remove: FieldSet): unknown {
  const type = resolve(fs, value);
  if (type.t === 'object') {
    const obj = value as JsonObject;
    const out: JsonObject = {};
    let removedAny = false;
    for (const [k, v] of Object.entries(obj)) {
      const child = [...path, `f:${k}`];
      if (remove.has(child)) {
        removedAny = true;
        continue;
      }
      if (!remove.coversOrContains(child)) {
        setKey(out, k, v);
        continue;
      }
      const nv = removePaths(v, childSchema(type, k), child, remove);
      if (nv === undefined) removedAny = true;
      else setKey(out, k, nv);
    }
    if (removedAny && Object.keys(out).length === 0 && path.length > 1) return undefined;
    return out;
  }
  if (type.t === 'assoc' || type.t === 'set') {
    const out: unknown[] = [];
    let removedAny = false;
    for (const [pe, item] of indexList(type, value as unknown[], path)) {
      const child = [...path, pe];
      if (remove.has(child)) {
        removedAny = true;
        continue;
      }
      out.push(remove.coversOrContains(child) ? removePaths(item, itemSchema(type), child, remove) : item);
    }
    if (removedAny && out.length === 0 && path.length > 1) return undefined;
    return out;
  }
  return value;
}

// ---- managedFields -----------------------------------------------------------------------------

export type ManagedFieldsOperation = 'Apply' | 'Update';

interface ManagerEntry {
  manager: string;
  operation: ManagedFieldsOperation;
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

function identity(e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify({
    manager: e.manager,
    operation: e.operation,
    ...(e.operation === 'Update' ? { apiVersion: e.apiVersion } : {}),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  });
}

function decodeManagedFields(raw: unknown): Map<string, ManagerEntry> {
  const out = new Map<string, ManagerEntry>();
  if (!Array.isArray(raw)) return out;
  for (const e of raw) {
    if (!isJsonObject(e)) continue;
    const entry: ManagerEntry = {
      manager: typeof e['manager'] === 'string' ? e['manager'] : '',
      operation: e['operation'] === 'Apply' ? 'Apply' : 'Update',
      apiVersion: typeof e['apiVersion'] === 'string' ? e['apiVersion'] : '',
      ...(typeof e['time'] === 'string' ? { time: e['time'] } : {}),
      ...(typeof e['subresource'] === 'string' && e['subresource'] !== '' ? { subresource: e['subresource'] } : {}),
      set: FieldSet.fromFieldsV1(e['fieldsV1']),
    };
    const id = identity(entry);
    const prev = out.get(id);
    if (prev) prev.set = prev.set.union(entry.set);
    else out.set(id, entry);
  }
  return out;
}

/** managedFields times are metav1.Time: RFC 3339 with whole seconds, in UTC. */
function toEntryTime(now: string): string {
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(now)) return `${now.slice(0, 19)}Z`;
  const ms = Date.parse(now);
  return Number.isNaN(ms) ? now : `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function seconds(time: string | undefined): number {
  if (time === undefined) return 0;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

const maxUpdateManagers = 10;
const ancientChangesManager = 'ancient-changes';

/** kube keeps at most 10 update entries; the oldest are folded into "ancient-changes". */
function capUpdateManagers(entries: Map<string, ManagerEntry>): void {
  const updaters = [...entries.entries()].filter(([, e]) => e.operation === 'Update');
  if (updaters.length <= maxUpdateManagers) return;
  updaters.sort(([ia, a], [ib, b]) => seconds(a.time) - seconds(b.time) || (ia < ib ? -1 : ia > ib ? 1 : 0));
  let count = updaters.length;
  for (const [id, e] of updaters) {
    if (count <= maxUpdateManagers) break;
    if (e.manager === ancientChangesManager) continue;
    const bucketId = identity({ manager: ancientChangesManager, operation: 'Update', apiVersion: e.apiVersion });
    const bucket = entries.get(bucketId);
    entries.delete(id);
    if (bucket) {
      bucket.set = bucket.set.union(e.set);
      if (seconds(e.time) > seconds(bucket.time) && e.time !== undefined) bucket.time = e.time;
      count--;
    } else {
      entries.set(bucketId, { ...e, manager: ancientChangesManager, subresource: undefined });
    }
  }
}

function encodeManagedFields(entries: Map<string, ManagerEntry>): JsonObject[] {
  const list = [...entries.values()].filter((e) => !e.set.isEmpty());
  list.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const dt = seconds(p.time) - seconds(q.time);
    if (dt !== 0) return dt;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    const ps = p.subresource ?? '';
    const qs = q.subresource ?? '';
    return ps < qs ? -1 : ps > qs ? 1 : 0;
  });
  return list.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    ...(e.time !== undefined ? { time: e.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: e.set.toFieldsV1(),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  }));
}

function setManagedFields(obj: KubeObject, entries: Map<string, ManagerEntry>): void {
  const encoded = encodeManagedFields(entries);
  const meta: JsonObject = isJsonObject(obj.metadata) ? obj.metadata : {};
  if (encoded.length === 0) delete meta['managedFields'];
  else meta['managedFields'] = encoded;
  obj.metadata = meta;
}

/** Paths kube never attributes to a manager (the fieldmanager's strip set; exact paths only). */
const strippedPaths: FieldPath[] = [
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ['f:metadata', 'f:name'],
  ['f:metadata', 'f:namespace'],
  ['f:metadata', 'f:creationTimestamp'],
  ['f:metadata', 'f:selfLink'],
  ['f:metadata', 'f:uid'],
  ['f:metadata', 'f:clusterName'],
  ['f:metadata', 'f:generation'],
  ['f:metadata', 'f:managedFields'],
  ['f:metadata', 'f:resourceVersion'],
];
const stripSet = FieldSet.from(strippedPaths);

/** The object without metadata.managedFields and without the top-level fields the write resets. */
function comparable(obj: unknown, resetFields: readonly string[]): JsonObject {
  const out = isJsonObject(obj) ? jsonClone(obj) : {};
  if (isJsonObject(out['metadata'])) delete out['metadata']['managedFields'];
  for (const f of resetFields) delete out[f];
  return out;
}

interface KindInfo {
  schema: StrategicPatchSchema;
  zero: JsonObject;
}

const genericSchema: StrategicPatchSchema = { metadata: objectMetaSchema };

function kindInfo(group: string, kind: string, explicit: StrategicPatchSchema | undefined): KindInfo {
  const key = `${group}/${kind}`;
  return {
    schema: explicit ?? builtinStrategicSchemas[key] ?? genericSchema,
    zero: jsonClone(builtinZeroObjects[key] ?? {}),
  };
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function isResetManagedFields(mf: unknown): boolean {
  if (!Array.isArray(mf)) return false;
  if (mf.length === 0) return true;
  return mf.length === 1 && isJsonObject(mf[0]) && Object.keys(mf[0]).length === 0;
}

export interface RecordUpdateOptions {
  /** `status` for /status writes: the entry gets `subresource: status` and `spec` is not tracked. */
  subresource?: string;
  /** Overrides the built-in schema found from apiVersion + kind (custom resources have none). */
  schema?: StrategicPatchSchema;
  /** Top-level fields the write does not own; default `['status']`, or `['spec']` for /status. */
  resetFields?: readonly string[];
}

/**
 * Records a create/update/patch in `metadata.managedFields` the way kube's fieldmanager does for
 * non-apply writes: every field the write added or changed (compared with `oldObj`, or with the
 * kind's zero value on create) now belongs to `manager`, other managers lose those fields and the
 * removed ones; the manager's entry gets `now` as its time when it took any field.
 *
 * kube runs this on the decoded and defaulted object before the registry strategy (allocation,
 * status reset), which is why allocated fields such as clusterIP are never owned: pass `newObj` at
 * that stage for the same result. Returns a copy of `newObj` with the new managedFields. Objects
 * kube cannot type (duplicate list keys) end up without managedFields, as kube does.
 */
export function recordUpdate(
  oldObj: KubeObject | undefined,
  newObj: KubeObject,
  manager: string,
  operation: 'Update',
  apiVersion: string,
  now: string,
  opts: RecordUpdateOptions = {},
): KubeObject {
  const result = jsonClone(newObj);
  const info = kindInfo(groupOf(apiVersion), String(newObj.kind ?? oldObj?.kind ?? ''), opts.schema);
  const resetFields = opts.resetFields ?? (opts.subresource === 'status' ? ['spec'] : ['status']);

  // Which managedFields the write starts from (decodeLiveOrNew): subresources cannot set them,
  // an explicit empty list resets them, and a body without them keeps the live ones.
  const newMF = newObj.metadata?.['managedFields'];
  const oldMF = oldObj?.metadata?.['managedFields'];
  let entries: Map<string, ManagerEntry>;
  if (opts.subresource) entries = decodeManagedFields(oldMF);
  else if (isResetManagedFields(newMF)) entries = new Map();
  else {
    entries = decodeManagedFields(newMF);
    if (entries.size === 0) entries = decodeManagedFields(oldMF);
  }

  let cmp: Comparison;
  try {
    cmp = compare(comparable(oldObj ?? info.zero, resetFields), comparable(newObj, resetFields), info.schema);
  } catch (err) {
    if (err instanceof FieldPathError) {
      if (isJsonObject(result.metadata)) delete result.metadata['managedFields'];
      return result;
    }
    throw err;
  }

  const changed = cmp.added.union(cmp.modified);
  for (const e of entries.values()) e.set = e.set.difference(changed).difference(cmp.removed);

  const taken = changed.difference(stripSet);
  if (!taken.isEmpty()) {
    const me: ManagerEntry = { manager, operation, apiVersion, ...(opts.subresource ? { subresource: opts.subresource } : {}), set: new FieldSet() };
    const id = identity(me);
    const prev = entries.get(id);
    me.set = taken.union(prev?.set ?? new FieldSet());
    me.time = toEntryTime(now);
    entries.set(id, me);
  }
  for (const [id, e] of entries) if (e.set.isEmpty()) entries.delete(id);
  capUpdateManagers(entries);
  setManagedFields(result, entries);
  return result;
}

export interface ServerSideApplyOptions {
  /** fieldManager of the request (required for apply; the caller answers 422 when it is missing). */
  manager: string;
  /** `force=true`: take conflicting fields from their owners instead of failing. */
  force: boolean;
  /** RFC 3339 timestamp (seconds) for the applier's entry. */
  now: string;
  /** Group-version the request was made in, e.g. `v1`, `apps/v1`. */
  apiVersion: string;
  resource: string;
  group: string;
  /** Object name from the URL. */
  name: string;
  /** `status` when applying to /status. */
  subresource?: string;
  schema?: StrategicPatchSchema;
  resetFields?: readonly string[];
}

function conflictError(conflicts: { entry: ManagerEntry; path: FieldPath }[]): ApiError {
  const printManager = (e: ManagerEntry): string => {
    let s = goQuote(e.manager);
    if (e.subresource) s += ` with subresource ${goQuote(e.subresource)}`;
    if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
    return s;
  };
  const causes: FieldCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.entry)}`,
    field: fieldPathString(c.path),
  }));
  let message: string;
  const first = conflicts[0];
  if (conflicts.length === 1 && first) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(first.entry)}: ${fieldPathString(first.path)}`;
  } else {
    const lines: string[] = [];
    let last: string | undefined;
    for (const c of conflicts) {
      const id = identity(c.entry);
      if (id !== last) lines.push(`conflicts with ${printManager(c.entry)}:`);
      last = id;
      lines.push(`- ${fieldPathString(c.path)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}

/**
 * Server-side apply (`application/apply-patch+yaml`, body already parsed): merges `applied` into
 * `current` (undefined when the object does not exist yet), removes fields this manager applied
 * before but no longer applies and nobody else owns, checks conflicts with other managers (409
 * unless `force`) and maintains managedFields. The caller still defaults, validates and stores the
 * result (and, on create, fills uid/creationTimestamp...).
 */
export function applyServerSide(current: KubeObject | undefined, applied: KubeObject, opts: ServerSideApplyOptions): KubeObject {
  if (!isJsonObject(applied)) {
    throw new ApiError(400, 'BadRequest', `error decoding YAML: json: cannot unmarshal ${goJsonKind(applied)} into Go value of type map[string]interface {}`);
  }
  const patchVersion = typeof applied.apiVersion === 'string' ? applied.apiVersion : '';
  if (patchVersion !== opts.apiVersion) {
    throw new ApiError(
      400,
      'BadRequest',
      `Incorrect version specified in apply patch. Specified patch version: ${patchVersion}, expected: ${opts.apiVersion}`,
    );
  }
  const appliedMeta = isJsonObject(applied.metadata) ? applied.metadata : undefined;
  if (appliedMeta && appliedMeta['managedFields'] !== undefined && appliedMeta['managedFields'] !== null) {
    throw new ApiError(400, 'BadRequest', 'metadata.managedFields must be nil');
  }
  const appliedName = appliedMeta?.['name'];
  if (typeof appliedName === 'string' && appliedName !== '' && appliedName !== opts.name) {
    throw new ApiError(400, 'BadRequest', `the name of the object (${appliedName}) does not match the name on the URL (${opts.name})`);
  }

  const kind = String(applied.kind ?? current?.kind ?? '');
  const info = kindInfo(opts.group, kind, opts.schema);
  const resetFields = opts.resetFields ?? (opts.subresource === 'status' ? ['spec'] : ['status']);

  const live: JsonObject = current ? jsonClone(current) : info.zero;
  if (!current) {
    const meta: JsonObject = isJsonObject(live['metadata']) ? live['metadata'] : {};
    meta['name'] = opts.name;
    live['metadata'] = meta;
  }
  const liveMeta = isJsonObject(live['metadata']) ? live['metadata'] : undefined;
  const entries = decodeManagedFields(liveMeta?.['managedFields']);
  if (liveMeta) delete liveMeta['managedFields'];

  const config = jsonClone(applied) as JsonObject;
  for (const f of resetFields) delete config[f];

  let configSet = new FieldSet();
  let merged: JsonObject;
  let cmp: Comparison;
  const me: ManagerEntry = { manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, ...(opts.subresource ? { subresource: opts.subresource } : {}), set: new FieldSet() };
  const myId = identity(me);
  const previous = entries.get(myId);
  try {
    toFieldSet(config, info.schema, [], configSet);
    configSet = configSet.difference(stripSet);
    merged = ssaMerge(live, config, info.schema, []) as JsonObject;

    // Prune what this manager applied last time, does not apply now, and nobody else owns.
    if (previous && !previous.set.isEmpty()) {
      let owned = configSet;
      for (const [id, e] of entries) if (id !== myId) owned = owned.union(e.set);
      const prune = new FieldSet();
      for (const p of previous.set.paths()) {
        if (!configSet.has(p) && !owned.coversOrContains(p)) prune.add(p);
      }
      if (!prune.isEmpty()) merged = removePaths(merged, info.schema, [], prune) as JsonObject;
    }
    cmp = compare(comparable(live, resetFields), comparable(merged, resetFields), info.schema);
  } catch (err) {
    if (err instanceof FieldPathError) {
      throw new ApiError(500, undefined, `failed to create typed patch object (${groupVersionKindString(opts.apiVersion, kind)}): ${err.message}`);
    }
    throw err;
  }

  const changed = cmp.added.union(cmp.modified);
  const conflicts: { entry: ManagerEntry; path: FieldPath }[] = [];
  const sortedOthers = [...entries.entries()].filter(([id]) => id !== myId).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [, e] of sortedOthers) {
    for (const p of e.set.intersection(changed).paths()) conflicts.push({ entry: e, path: p });
  }
  if (conflicts.length > 0 && !opts.force) throw conflictError(conflicts);
  for (const [, e] of sortedOthers) e.set = e.set.difference(changed).difference(cmp.removed);

  me.set = configSet;
  const objectChanged = !jsonEqual(comparable(live, []), comparable(merged, []));
  const prevTime = previous?.time;
  me.time = objectChanged || prevTime === undefined ? toEntryTime(opts.now) : prevTime;
  entries.set(myId, me);
  for (const [id, e] of entries) if (e.set.isEmpty()) entries.delete(id);
  capUpdateManagers(entries);
  setManagedFields(merged, entries);
  return merged;
}

function groupVersionKindString(apiVersion: string, kind: string): string {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return `${group}/${version}, Kind=${kind}`;
}


