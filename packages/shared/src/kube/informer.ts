// An informer: a local cache of one kind kept current by list + watch, that survives dropped
// watches, 410 Gone (relist), API errors and silently hung watches (idle watchdog).
import type { Logger } from 'pino';
import { Backoff, sleep } from './backoff.js';
import { isGone, objectKey, type KubeClient, type KubeObject, type ResourceDescriptor, type WatchEventType } from './client.js';

export interface InformerHandlers<T> {
  /** A new object (also called for every cached object when a handler is added after the first sync). */
  onAdd?(object: T): void;
  /** A changed object: the cached version before and the new one. */
  onUpdate?(oldObject: T, newObject: T): void;
  /** A deleted object, in its last known state. */
  onDelete?(oldObject: T): void;
}

/** Maps an object to the index values it is found under (e.g. its Service name). */
export type IndexFunc<T> = (object: T) => readonly string[];

export interface InformerOptions<T> {
  client: KubeClient;
  resource: ResourceDescriptor;
  /** Only this namespace; default all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Items per list page; default 500. */
  pageSize?: number;
  /** Ask for BOOKMARK events (they feed the idle watchdog); default true. */
  allowWatchBookmarks?: boolean;
  /**
   * Restart a watch that brought no event and no bookmark for this long; default 120 000 ms (real API
   * servers send a bookmark about every minute). 0 disables the watchdog.
   */
  idleTimeoutMs?: number;
  /** Server-side watch timeout; default a random 300–600 s per watch. */
  watchTimeoutSeconds?: number;
  /** Delay before retrying after an error: first and largest delay (ms); default 250 and 30 000. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Named secondary indexes, queried with `byIndex`. */
  indexers?: Record<string, IndexFunc<T>>;
  logger?: Logger;
  /** Used in log lines; default the resource's plural. */
  name?: string;
}

export interface InformerStats {
  /** Completed lists (the first one and every relist). */
  lists: number;
  /** Relists caused by 410 Gone / Expired. */
  expired: number;
  /** Watches opened. */
  watches: number;
  /** Restarts after an error (list or watch). */
  errors: number;
  /** Watches aborted by the idle watchdog. */
  idleRestarts: number;
  /** Watch events handled (bookmarks included). */
  events: number;
  /** The resourceVersion the cache is at. */
  resourceVersion: string | undefined;
  lastError: string | undefined;
}

class IdleWatch extends Error {}

/** Index of the `kubernetes.io/service-name` label of EndpointSlices. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const endpointSlicesByService: IndexFunc<KubeObject> = (slice) => {
  const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  return service ? [`${slice.metadata?.namespace ?? ''}/${service}`] : [];
};

export class Informer<T extends KubeObject> {
  /** Resolves once the first list is in the cache (stays pending if stopped before). */
  readonly synced: Promise<void>;
  private resolveSynced!: () => void;
  private isSynced = false;
  private readonly cache = new Map<string, T>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly handlers = new Set<InformerHandlers<T>>();
  private readonly stopController = new AbortController();
  private running: Promise<void> | undefined;
  private resourceVersion: string | undefined;
  private readonly backoff: Backoff;
  private readonly counters: Omit<InformerStats, 'resourceVersion' | 'lastError'> = { lists: 0, expired: 0, watches: 0, errors: 0, idleRestarts: 0, events: 0 };
  private lastError: string | undefined;
  private readonly name: string;

  constructor(private readonly options: InformerOptions<T>) {
    this.synced = new Promise((resolve) => (this.resolveSynced = resolve));
    this.backoff = new Backoff({ initialMs: options.backoff?.initialMs ?? 250, maxMs: options.backoff?.maxMs ?? 30_000 });
    this.name = options.name ?? options.resource.plural;
    for (const name of Object.keys(options.indexers ?? {})) this.indexes.set(name, new Map());
  }

  /** Starts listing and watching (idempotent). */
  start(): this {
    this.running ??= this.run();
    return this;
  }

  /** Stops the watch and waits until the informer is idle. The cache keeps its content. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.running;
  }

  hasSynced(): boolean {
    return this.isSynced;
  }

  /** Every cached object. */
  list(): T[] {
    return [...this.cache.values()];
  }

  keys(): string[] {
    return [...this.cache.keys()];
  }

  /** The cached object with key `namespace/name` (or `name` when cluster-scoped). */
  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  /** Objects whose index function `name` returned `value`. */
  byIndex(name: string, value: string): T[] {
    return this.indexKeys(name, value).flatMap((k) => {
      const o = this.cache.get(k);
      return o ? [o] : [];
    });
  }

  /** Keys of objects whose index function `name` returned `value`. */
  indexKeys(name: string, value: string): string[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`informer ${this.name}: no index "${name}"`);
    return [...(index.get(value) ?? [])];
  }

  /** Adds handlers; after the first sync they first get onAdd for every cached object. Returns a remover. */
  addHandler(handlers: InformerHandlers<T>): () => void {
    this.handlers.add(handlers);
    if (this.isSynced && handlers.onAdd) for (const o of this.cache.values()) this.call(() => handlers.onAdd?.(o));
    return () => this.handlers.delete(handlers);
  }

  stats(): InformerStats {
    return { ...this.counters, resourceVersion: this.resourceVersion, lastError: this.lastError };
  }

  // -------------------------------------------------------------------------------------------

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    const signal = this.stopController.signal;
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined) {
          await this.relist(signal);
          if (this.stopped) return;
          this.backoff.reset();
        }
        const { events, durationMs } = await this.watchOnce(signal);
        if (this.stopped) return;
        if (events > 0 || durationMs > 1000) {
          this.backoff.reset();
        } else {
          // A watch closed at once without any event: do not spin.
          await sleep(this.backoff.next(), signal);
        }
      } catch (err) {
        if (this.stopped) return;
        this.lastError = (err as Error).message;
        if (isGone(err)) {
          this.counters.expired++;
          this.options.logger?.info({ informer: this.name, err: this.lastError }, 'resourceVersion expired, relisting');
          this.resourceVersion = undefined;
          // The first relist after a 410 is immediate, repeated ones back off.
          if (this.backoff.attempts > 0) await sleep(this.backoff.next(), signal);
          else this.backoff.next();
          continue;
        }
        if (err instanceof IdleWatch) {
          this.counters.idleRestarts++;
          this.options.logger?.warn({ informer: this.name }, 'watch idle, restarting');
        } else {
          this.counters.errors++;
          this.options.logger?.warn({ informer: this.name, err: this.lastError }, 'list/watch failed, retrying');
        }
        await sleep(this.backoff.next(), signal);
      }
    }
  }

  private async relist(signal: AbortSignal): Promise<void> {
    const { client, resource, namespace, labelSelector, fieldSelector } = this.options;
    let list;
    try {
      list = await client.listAll<T>(resource, { namespace, labelSelector, fieldSelector, pageSize: this.options.pageSize ?? 500, signal });
    } catch (err) {
      // A continue token can expire between pages: fall back to one unpaged list.
      if (!isGone(err)) throw err;
      list = await client.list<T>(resource, { namespace, labelSelector, fieldSelector, signal });
    }
    if (this.stopped) return;
    this.replace(list.items);
    this.resourceVersion = list.metadata.resourceVersion;
    this.counters.lists++;
    if (!this.isSynced) {
      this.isSynced = true;
      this.resolveSynced();
    }
  }

  private async watchOnce(stopSignal: AbortSignal): Promise<{ events: number; durationMs: number }> {
    const { client, resource, namespace, labelSelector, fieldSelector } = this.options;
    const idleTimeoutMs = this.options.idleTimeoutMs ?? 120_000;
    const watchController = new AbortController();
    const signal = AbortSignal.any([stopSignal, watchController.signal]);
    let idle = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      if (idleTimeoutMs <= 0) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        idle = true;
        watchController.abort();
      }, idleTimeoutMs);
    };
    const started = Date.now();
    let events = 0;
    this.counters.watches++;
    arm();
    try {
      await client.watch<T>(
        resource,
        {
          namespace,
          labelSelector,
          fieldSelector,
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: this.options.allowWatchBookmarks ?? true,
          timeoutSeconds: this.options.watchTimeoutSeconds ?? Math.floor(300 + Math.random() * 300),
          signal,
        },
        (type, object) => {
          if (signal.aborted) return;
          arm();
          events++;
          this.counters.events++;
          this.handleEvent(type, object);
        },
      );
    } catch (err) {
      if (idle) throw new IdleWatch('watch idle');
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (idle && !stopSignal.aborted) throw new IdleWatch('watch idle');
    return { events, durationMs: Date.now() - started };
  }

  private handleEvent(type: WatchEventType, object: T): void {
    const rv = object.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    const key = objectKey(object);
    const old = this.cache.get(key);
    if (type === 'DELETED') {
      if (old) {
        this.remove(key, old);
        this.notify((h) => h.onDelete?.(old));
      }
    } else {
      this.set(key, object, old);
      if (old) this.notify((h) => h.onUpdate?.(old, object));
      else this.notify((h) => h.onAdd?.(object));
    }
    if (rv) this.resourceVersion = rv;
  }

  /** Makes the cache equal to a fresh list, telling handlers what changed. */
  private replace(items: T[]): void {
    const next = new Map<string, T>();
    for (const item of items) next.set(objectKey(item), item);
    for (const [key, old] of [...this.cache]) {
      if (!next.has(key)) {
        this.remove(key, old);
        this.notify((h) => h.onDelete?.(old));
      }
    }
    for (const [key, object] of next) {
      const old = this.cache.get(key);
      if (!old) {
        this.set(key, object, undefined);
        this.notify((h) => h.onAdd?.(object));
      } else if (old.metadata?.resourceVersion !== object.metadata?.resourceVersion || old.metadata?.uid !== object.metadata?.uid) {
        this.set(key, object, old);
        this.notify((h) => h.onUpdate?.(old, object));
      }
    }
  }

  private set(key: string, object: T, old: T | undefined): void {
    if (old) this.unindex(key, old);
    this.cache.set(key, object);
    for (const [name, fn] of Object.entries(this.options.indexers ?? {})) {
      const index = this.indexes.get(name)!;
      for (const value of this.indexValues(fn, object)) {
        let keys = index.get(value);
        if (!keys) index.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  private remove(key: string, old: T): void {
    this.unindex(key, old);
    this.cache.delete(key);
  }

  private unindex(key: string, old: T): void {
    for (const [name, fn] of Object.entries(this.options.indexers ?? {})) {
      const index = this.indexes.get(name)!;
      for (const value of this.indexValues(fn, old)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }

  private indexValues(fn: IndexFunc<T>, object: T): readonly string[] {
    try {
      return fn(object);
    } catch (err) {
      this.options.logger?.error({ informer: this.name, err: (err as Error).message }, 'index function failed');
      return [];
    }
  }

  private notify(call: (h: InformerHandlers<T>) => void): void {
    for (const h of this.handlers) this.call(() => call(h));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.logger?.error({ informer: this.name, err: (err as Error).message }, 'informer handler failed');
    }
  }
}
