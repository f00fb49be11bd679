// A controller work queue in the manner of client-go's: keys are deduplicated while they wait, one
// key is never reconciled by two workers at once (a key added while it is being processed is queued
// again when that finishes), failures are requeued with per-key exponential backoff, and delayed adds.
import type { Logger } from 'pino';

export interface WorkQueueMetrics {
  /** The number of keys waiting (not those being processed), after every change. */
  depth?(depth: number): void;
  /** A key was added (also when it was already waiting). */
  add?(): void;
  /** A key was requeued with backoff after a failure. */
  retry?(): void;
  /** A reconcile finished: its duration and outcome. */
  reconcileDuration?(seconds: number, outcome: 'success' | 'error'): void;
  /** How long a key waited between being queued and being picked up. */
  queueLatency?(seconds: number): void;
}

export interface WorkQueueOptions {
  /** Used in log lines and metric labels. */
  name?: string;
  /** First retry delay after a failure, in ms; doubles with each further failure. Default 5. */
  baseDelayMs?: number;
  /** Largest retry delay, in ms. Default 60 000. */
  maxDelayMs?: number;
  metrics?: WorkQueueMetrics;
  logger?: Logger;
}

/** What a reconcile can ask for besides success (nothing) or failure (throwing). */
export type ReconcileResult = void | undefined | { requeueAfterMs?: number; requeue?: boolean };

export type Reconciler<K> = (key: K, signal: AbortSignal) => Promise<ReconcileResult> | ReconcileResult;

export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly addedAt = new Map<K, number>();
  private readonly delayed = new Map<K, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<K, number>();
  private readonly waiters: ((key: K | undefined) => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly shutdownController = new AbortController();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: WorkQueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  get shuttingDown(): boolean {
    return this.shutdownController.signal.aborted;
  }

  /** Keys waiting to be processed. */
  len(): number {
    return this.queue.length;
  }

  /** Queues `key` unless it is already waiting; a key being processed is queued again after. */
  add(key: K): void {
    if (this.shuttingDown) return;
    this.options.metrics?.add?.();
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.addedAt.has(key)) this.addedAt.set(key, performance.now());
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Queues `key` after `ms`; of several pending delayed adds of a key the earliest wins. */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = performance.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Queues `key` after its backoff delay (baseDelay·2^failures, capped) and counts a failure. */
  requeueRateLimited(key: K): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** failures);
    this.options.metrics?.retry?.();
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the failure count of `key` (after a success). */
  forget(key: K): void {
    this.failures.delete(key);
  }

  /** Failures counted for `key` since it was last forgotten. */
  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /**
   * The next key to process, waiting for one; `undefined` once the queue is shut down. The caller
   * owns the key until it calls `done(key)`.
   */
  get(): Promise<K | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends the processing of `key`; if it was added meanwhile it is queued again. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
    if (this.processing.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  /**
   * Stops the queue: no more adds, waiting and delayed keys are dropped, `get` returns undefined,
   * the signal given to reconciles aborts. Resolves when no key is being processed any more.
   */
  async shutdown(): Promise<void> {
    if (!this.shuttingDown) {
      this.shutdownController.abort();
      for (const { timer } of this.delayed.values()) clearTimeout(timer);
      this.delayed.clear();
      this.queue.length = 0;
      this.dirty.clear();
      this.addedAt.clear();
      this.options.metrics?.depth?.(0);
      for (const w of this.waiters.splice(0)) w(undefined);
    }
    if (this.processing.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Runs `n` workers calling `reconcile` for each key until shutdown. A reconcile that throws is
   * requeued with backoff; one that returns `{requeueAfterMs}` is queued again after that delay;
   * `{requeue: true}` requeues with backoff without counting as an error. Resolves when every
   * worker has stopped.
   */
  async runWorkers(n: number, reconcile: Reconciler<K>): Promise<void> {
    const worker = async (): Promise<void> => {
      for (;;) {
        const key = await this.get();
        if (key === undefined) return;
        await this.process(key, reconcile);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, n) }, () => worker()));
  }

  private async process(key: K, reconcile: Reconciler<K>): Promise<void> {
    const started = performance.now();
    let outcome: 'success' | 'error' = 'success';
    try {
      const result = await reconcile(key, this.shutdownController.signal);
      if (result && result.requeueAfterMs !== undefined) {
        this.forget(key);
        this.addAfter(key, result.requeueAfterMs);
      } else if (result && result.requeue) {
        this.requeueRateLimited(key);
      } else {
        this.forget(key);
      }
    } catch (err) {
      outcome = 'error';
      const delay = this.shuttingDown ? 0 : this.requeueRateLimited(key);
      this.options.logger?.warn({ queue: this.options.name, key: String(key), err: (err as Error)?.message ?? String(err), retryInMs: Math.round(delay) }, 'reconcile failed');
    } finally {
      this.options.metrics?.reconcileDuration?.((performance.now() - started) / 1000, outcome);
      this.done(key);
    }
  }

  private push(key: K): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.startProcessing(key);
      this.options.metrics?.depth?.(this.queue.length);
      waiter(key);
      return;
    }
    this.queue.push(key);
    this.options.metrics?.depth?.(this.queue.length);
  }

  private take(): K | undefined {
    const key = this.queue.shift();
    if (key === undefined) return undefined;
    this.options.metrics?.depth?.(this.queue.length);
    this.startProcessing(key);
    return key;
  }

  private startProcessing(key: K): void {
    this.processing.add(key);
    this.dirty.delete(key);
    const at = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (at !== undefined) this.options.metrics?.queueLatency?.((performance.now() - at) / 1000);
  }
}
