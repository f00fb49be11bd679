// An event recorder writing core/v1 Events like client-go's: repeats of the same event (same object,
// type, reason, message, source) bump `count` and `lastTimestamp` of one Event object instead of
// creating new ones, so `kubectl describe` shows "(x3 over 5m)"; a token bucket per involved object
// limits spam; writes are retried in the background and never throw to the caller.
import os from 'node:os';
import type { Logger } from 'pino';
import { sleep } from './backoff.js';
import { Resources, isNotFound, type KubeClient, type KubeObject } from './client.js';

export type EventType = 'Normal' | 'Warning';

/** The object an event is about: any object with metadata, or an ObjectReference. */
export type EventTarget =
  | KubeObject
  | { apiVersion?: string; kind?: string; name: string; namespace?: string; uid?: string; resourceVersion?: string; fieldPath?: string };

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

/** The core/v1 Event shape written. */
export interface CoreEvent extends KubeObject {
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  type: EventType;
  source: { component: string; host?: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  reportingComponent: string;
  reportingInstance: string;
}

export interface EventRecorderOptions {
  client: KubeClient;
  /** `source.component` and `reportingComponent`, e.g. `purelb-allocator`. */
  component: string;
  /** `source.host` (the node agent's node name). */
  host?: string;
  /** `reportingInstance`; default host, else the machine's hostname. */
  reportingInstance?: string;
  /** Events an object may get in a burst; default 25 (client-go). */
  burst?: number;
  /** One more event allowed per this many ms once the burst is spent; default 300 000 (client-go's 1/300 s). */
  refillIntervalMs?: number;
  /** Distinct events remembered for aggregation (and objects for rate limiting); default 4096. */
  cacheSize?: number;
  /** Attempts per write; default 5. */
  maxAttempts?: number;
  /** Delay before the first retry, doubled for each further one; default 500 ms. */
  retryDelayMs?: number;
  /** Writes waiting at most; more are dropped. Default 1000. */
  maxPending?: number;
  logger?: Logger;
  /** Clock (tests). */
  now?: () => Date;
}

/** A token bucket: `burst` tokens, one more every `refillIntervalMs`. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly burst: number,
    private readonly refillIntervalMs: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  tryTake(now: number): boolean {
    if (this.refillIntervalMs > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.last) / this.refillIntervalMs);
    }
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** A Map that forgets its least recently used entries beyond `max`. */
class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }
  delete(key: K): void {
    this.map.delete(key);
  }
}

interface Aggregate {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

/** metav1.Time: RFC 3339 with whole seconds. */
function kubeTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function objectReference(target: EventTarget): ObjectReference {
  if ('metadata' in target && target.metadata) {
    const m = target.metadata;
    const ref: ObjectReference = { name: m.name ?? '' };
    if (target.apiVersion) ref.apiVersion = target.apiVersion;
    if (target.kind) ref.kind = target.kind;
    if (m.namespace) ref.namespace = m.namespace;
    if (m.uid) ref.uid = m.uid;
    if (m.resourceVersion) ref.resourceVersion = m.resourceVersion;
    return ref;
  }
  const r = target as ObjectReference;
  const ref: ObjectReference = { name: r.name };
  for (const k of ['apiVersion', 'kind', 'namespace', 'uid', 'resourceVersion', 'fieldPath'] as const) if (r[k]) ref[k] = r[k];
  return ref;
}

export class EventRecorder {
  private readonly aggregates: LruMap<string, Aggregate>;
  private readonly buckets: LruMap<string, TokenBucket>;
  /** The tail of the write chain of each aggregation key: repeats wait for the first write. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<void>>();
  private readonly now: () => Date;
  private readonly reportingInstance: string;
  private dropped = 0;
  private closed = false;

  constructor(private readonly options: EventRecorderOptions) {
    const size = options.cacheSize ?? 4096;
    this.aggregates = new LruMap(size);
    this.buckets = new LruMap(size);
    this.now = options.now ?? (() => new Date());
    this.reportingInstance = options.reportingInstance ?? options.host ?? os.hostname();
  }

  /** Events dropped by the rate limit, the pending-write limit or after failed retries. */
  get droppedEvents(): number {
    return this.dropped;
  }

  /** Records an event about `target`. Never throws; the write happens in the background. */
  event(target: EventTarget, type: EventType, reason: string, message: string): void {
    try {
      this.record(target, type, reason, message);
    } catch (err) {
      this.dropped++;
      this.options.logger?.error({ err: (err as Error).message, reason }, 'event not recorded');
    }
  }

  normal(target: EventTarget, reason: string, message: string): void {
    this.event(target, 'Normal', reason, message);
  }

  warning(target: EventTarget, reason: string, message: string): void {
    this.event(target, 'Warning', reason, message);
  }

  /** Resolves when every event recorded so far is written (or given up on). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Stops accepting events and waits for pending writes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private record(target: EventTarget, type: EventType, reason: string, message: string): void {
    if (this.closed) return;
    const ref = objectReference(target);
    if (!ref.name) throw new Error('the involved object has no name');
    const now = this.now();
    const objectId = [ref.apiVersion, ref.kind, ref.namespace, ref.name, ref.uid].join('\u0000');
    const source = [this.options.component, this.options.host ?? ''].join('\u0000');
    let bucket = this.buckets.get(`${source}\u0000${objectId}`);
    if (!bucket) {
      bucket = new TokenBucket(this.options.burst ?? 25, this.options.refillIntervalMs ?? 300_000, now.getTime());
      this.buckets.set(`${source}\u0000${objectId}`, bucket);
    }
    if (!bucket.tryTake(now.getTime())) {
      this.dropped++;
      this.options.logger?.debug({ object: `${ref.namespace ?? ''}/${ref.name}`, reason }, 'event dropped by rate limit');
      return;
    }
    if (this.pending.size >= (this.options.maxPending ?? 1000)) {
      this.dropped++;
      this.options.logger?.warn({ object: `${ref.namespace ?? ''}/${ref.name}`, reason }, 'too many pending events, dropping');
      return;
    }
    const key = [source, objectId, type, reason, message].join('\u0000');
    const previous = this.chains.get(key) ?? Promise.resolve();
    const write = previous.then(() => this.write(key, ref, type, reason, message, now));
    this.chains.set(key, write);
    this.pending.add(write);
    void write.finally(() => {
      this.pending.delete(write);
      if (this.chains.get(key) === write) this.chains.delete(key);
    });
  }

  private async write(key: string, ref: ObjectReference, type: EventType, reason: string, message: string, now: Date): Promise<void> {
    const attempts = this.options.maxAttempts ?? 5;
    let delay = this.options.retryDelayMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.writeOnce(key, ref, type, reason, message, now);
        return;
      } catch (err) {
        if (attempt >= attempts) {
          this.dropped++;
          this.options.logger?.error({ object: `${ref.namespace ?? ''}/${ref.name}`, reason, err: (err as Error).message }, 'could not write event');
          return;
        }
        await sleep(delay);
        delay *= 2;
      }
    }
  }

  private async writeOnce(key: string, ref: ObjectReference, type: EventType, reason: string, message: string, now: Date): Promise<void> {
    const { client } = this.options;
    const timestamp = kubeTime(now);
    const existing = this.aggregates.get(key);
    if (existing) {
      const count = existing.count + 1;
      try {
        await client.patchMerge(Resources.events, existing.name, existing.namespace, { count, lastTimestamp: timestamp, message });
        this.aggregates.set(key, { ...existing, count });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // The Event expired (events have a TTL) or was deleted: write it anew, keeping the tally.
        this.aggregates.delete(key);
        await this.create(key, ref, type, reason, message, timestamp, count, existing.firstTimestamp);
        return;
      }
    }
    await this.create(key, ref, type, reason, message, timestamp, 1, timestamp);
  }

  private async create(key: string, ref: ObjectReference, type: EventType, reason: string, message: string, timestamp: string, count: number, firstTimestamp: string): Promise<void> {
    // Events of cluster-scoped objects (Nodes) go to `default`, as client-go does.
    const namespace = ref.namespace || 'default';
    const event: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${ref.name}.${eventNameSuffix(this.now())}`, namespace },
      involvedObject: ref,
      reason,
      message,
      type,
      source: this.options.host ? { component: this.options.component, host: this.options.host } : { component: this.options.component },
      firstTimestamp,
      lastTimestamp: timestamp,
      count,
      reportingComponent: this.options.component,
      reportingInstance: this.reportingInstance,
    };
    const created = await this.options.client.create<CoreEvent>(Resources.events, event);
    this.aggregates.set(key, { name: created.metadata?.name ?? event.metadata!.name!, namespace, count, firstTimestamp });
  }
}

let lastSuffix = 0n;
/** Hex nanoseconds since the epoch, strictly increasing within this process (client-go uses UnixNano). */
function eventNameSuffix(now: Date): string {
  let n = BigInt(now.getTime()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  if (n <= lastSuffix) n = lastSuffix + 1n;
  lastSuffix = n;
  return n.toString(16);
}
