// The object store: what etcd plus the API server's watch cache are to kube-apiserver.
//
// One global revision counter (resourceVersion) orders every write. Each write is appended to a
// history that serves three purposes: watches resume from any resourceVersion still in the history,
// `resourceVersionMatch=Exact` lists and continue tokens reconstruct the state at an old revision,
// and compaction (a fault the tests inject) makes older revisions unavailable exactly the way
// etcd compaction and watch-cache eviction do on a real server.

export type StoredObject = Record<string, any>;

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  rv: number;
  type: ChangeType;
  storage: string;
  /** Object key: `namespace/name` or `name` for cluster-scoped objects. */
  key: string;
  object: StoredObject; // state after the change (for DELETED: the last state, with the deletion RV)
  previous: StoredObject | undefined; // state before the change
}

export type ChangeListener = (change: Change) => void;

export interface StoreOptions {
  /** First resourceVersion handed out; real clusters are never at 1. */
  initialResourceVersion?: number;
  /** History kept for watches/Exact lists; older entries are compacted automatically. */
  maxHistory?: number;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class Store {
  private revision: number;
  private readonly buckets = new Map<string, Map<string, StoredObject>>();
  private readonly history: Change[] = [];
  private readonly maxHistory: number;
  /** Revisions at or below this are gone from "etcd" (Exact lists, continue tokens → 410). */
  private etcdCompactedRevision = 0;
  /** Watches from revisions below this get `410 Expired` (the watch cache no longer has them). */
  private watchCacheStartRevision = 0;
  private readonly listeners = new Set<ChangeListener>();

  constructor(options: StoreOptions = {}) {
    this.revision = options.initialResourceVersion ?? 1000;
    this.watchCacheStartRevision = this.revision;
    this.etcdCompactedRevision = 0;
    this.maxHistory = options.maxHistory ?? 200_000;
  }

  get currentRevision(): number {
    return this.revision;
  }

  get oldestWatchableRevision(): number {
    return this.watchCacheStartRevision;
  }

  get compactedRevision(): number {
    return this.etcdCompactedRevision;
  }

  private bucket(storage: string): Map<string, StoredObject> {
    let b = this.buckets.get(storage);
    if (!b) {
      b = new Map();
      this.buckets.set(storage, b);
    }
    return b;
  }

  get(storage: string, key: string): StoredObject | undefined {
    return this.buckets.get(storage)?.get(key);
  }

  /** Objects of a storage sorted by key (etcd order), optionally under a namespace. */
  list(storage: string, namespace?: string): StoredObject[] {
    const b = this.buckets.get(storage);
    if (!b) return [];
    const prefix = namespace ? `${namespace}/` : undefined;
    const keys = [...b.keys()].filter((k) => prefix === undefined || k.startsWith(prefix)).sort();
    return keys.map((k) => b.get(k)!);
  }

  /** Sorted keys with their objects, for paging. */
  entries(storage: string, namespace?: string): Array<[string, StoredObject]> {
    const b = this.buckets.get(storage);
    if (!b) return [];
    const prefix = namespace ? `${namespace}/` : undefined;
    return [...b.entries()].filter(([k]) => prefix === undefined || k.startsWith(prefix)).sort((a, c) => (a[0] < c[0] ? -1 : a[0] > c[0] ? 1 : 0));
  }

  /**
   * State of a storage at an old revision, reconstructed by undoing later changes.
   * Throws 'compacted' when the revision is no longer available.
   */
  entriesAt(storage: string, revision: number, namespace?: string): Array<[string, StoredObject]> | 'compacted' {
    if (revision < this.etcdCompactedRevision) return 'compacted';
    const state = new Map(this.entries(storage, namespace));
    const prefix = namespace ? `${namespace}/` : undefined;
    for (let i = this.history.length - 1; i >= 0; i--) {
      const c = this.history[i]!;
      if (c.rv <= revision) break;
      if (c.storage !== storage || (prefix !== undefined && !c.key.startsWith(prefix))) continue;
      if (c.previous === undefined) state.delete(c.key);
      else state.set(c.key, c.previous);
    }
    return [...state.entries()].sort((a, c) => (a[0] < c[0] ? -1 : a[0] > c[0] ? 1 : 0));
  }

  /** Allocates the next revision and stores the object under it. */
  put(storage: string, key: string, object: StoredObject): Change {
    const previous = this.get(storage, key);
    const rv = ++this.revision;
    object.metadata = object.metadata ?? {};
    object.metadata.resourceVersion = String(rv);
    deepFreeze(object);
    this.bucket(storage).set(key, object);
    return this.record({ rv, type: previous ? 'MODIFIED' : 'ADDED', storage, key, object, previous });
  }

  delete(storage: string, key: string): Change | undefined {
    const previous = this.get(storage, key);
    if (!previous) return undefined;
    const rv = ++this.revision;
    this.buckets.get(storage)!.delete(key);
    // The DELETED event carries the last state with the deletion's revision, like kube's watch cache.
    const object = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(rv) } };
    deepFreeze(object);
    return this.record({ rv, type: 'DELETED', storage, key, object, previous });
  }

  /** Changes after `revision` (exclusive) for a storage, or 'expired' if they are gone. */
  changesSince(revision: number): Change[] | 'expired' {
    if (revision < this.watchCacheStartRevision) return 'expired';
    // Binary search for the first change after revision.
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid]!.rv <= revision) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Compaction. `etcd` makes Exact lists and continue tokens older than now fail (410);
   * `watchCache` additionally makes watches from older revisions fail with an ERROR 410 event.
   */
  compact(options: { etcd?: boolean; watchCache?: boolean } = { etcd: true, watchCache: true }): void {
    if (options.etcd !== false) this.etcdCompactedRevision = this.revision;
    if (options.watchCache) {
      this.watchCacheStartRevision = this.revision;
      this.history.length = 0;
    }
  }

  /** Removes every object of a storage (CRD deletion) without recording history for the bucket. */
  dropStorage(storage: string): void {
    this.buckets.delete(storage);
  }

  private record(change: Change): Change {
    this.history.push(change);
    if (this.history.length > this.maxHistory) {
      const dropped = this.history.splice(0, this.history.length - this.maxHistory);
      const last = dropped[dropped.length - 1]!;
      this.watchCacheStartRevision = Math.max(this.watchCacheStartRevision, last.rv);
      this.etcdCompactedRevision = Math.max(this.etcdCompactedRevision, last.rv);
    }
    for (const l of this.listeners) l(change);
    return change;
  }
}

/** Stored objects are immutable; handlers copy before changing them. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

export function deepClone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
