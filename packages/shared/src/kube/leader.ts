// Leader election on a coordination.k8s.io Lease, after client-go's leaderelection package.
//
// Safety: a candidate takes a lease held by someone else only after it has seen the same lease
// record unchanged for the record's whole leaseDurationSeconds (by its own monotonic clock, never
// trusting remote clocks), and writes with the record's resourceVersion, so a concurrent renewal makes
// the takeover fail with 409. The leader counts itself leader only until renewDeadline after it
// *sent* its last successful renewal; since renewDeadline < leaseDuration, its leadership has ended
// before anyone else can take the lease.
import type { Logger } from 'pino';
import { sleep } from './backoff.js';
import { isAlreadyExists, isConflict, type KubeClient } from './client.js';
import { createLease, formatMicroTime, getLease, renewLease, updateLease, type Lease } from './lease.js';

export interface LeaderElectorOptions {
  client: KubeClient;
  /** Namespace and name of the Lease. */
  namespace: string;
  name: string;
  /** This candidate's identity (pod name, or node name); must be unique among candidates. */
  identity: string;
  /** How long a lease is good for without renewal; default 15 000 ms. Written rounded up to seconds. */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up leading; default 10 000 ms. */
  renewDeadlineMs?: number;
  /** Interval between attempts to acquire or renew; default 2 000 ms. */
  retryPeriodMs?: number;
  /** Give the lease up on `stop()` so a successor need not wait for it to expire; default true. */
  releaseOnStop?: boolean;
  /** Called when this candidate becomes leader; the signal aborts when leadership ends. */
  onStartedLeading?(signal: AbortSignal): void;
  /** Called when this candidate stops leading (lost the lease, or stopped). */
  onStoppedLeading?(): void;
  /** Called when the observed leader changes (also to this candidate). */
  onNewLeader?(identity: string): void;
  logger?: Logger;
}

export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly stopController = new AbortController();
  private running: Promise<void> | undefined;
  private leading = false;
  private leadership: AbortController | undefined;
  /** performance.now() when the last successful acquire/renew request was sent. */
  private renewedAt = -Infinity;
  private observed: { key: string; at: number; lease: Lease } | undefined;
  private lastLeader: string | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (!options.identity) throw new Error('leader election: identity must not be empty');
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error('leader election: leaseDuration must be greater than renewDeadline');
    if (this.renewDeadlineMs <= this.retryPeriodMs * 1.2) throw new Error('leader election: renewDeadline must be greater than retryPeriod × 1.2');
  }

  /** Starts campaigning (idempotent). */
  start(): this {
    this.running ??= this.run();
    return this;
  }

  /**
   * Stops campaigning. A leader stops leading first, then (unless `release` is false, which is how
   * a crashed process behaves) gives the lease up.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    if (this.stopController.signal.aborted) {
      await this.running;
      return;
    }
    const wasLeading = this.leading;
    this.stopController.abort();
    this.stopLeading();
    await this.running;
    if (wasLeading && (options.release ?? this.options.releaseOnStop ?? true)) await this.release();
  }

  /** Whether this candidate leads right now (false as soon as the renew deadline has passed). */
  isLeader(): boolean {
    return this.leading && performance.now() < this.renewedAt + this.renewDeadlineMs;
  }

  /** The holder of the lease as last observed. */
  getLeader(): string | undefined {
    return this.lastLeader;
  }

  // -------------------------------------------------------------------------------------------

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    try {
      await this.campaign();
    } catch (err) {
      // Not expected: every API failure is handled inside. Never leave a leader behind.
      this.options.logger?.error({ err: (err as Error).message }, 'leader election failed');
      this.stopLeading();
    }
  }

  private async campaign(): Promise<void> {
    const signal = this.stopController.signal;
    while (!this.stopped) {
      // Candidate: try every retryPeriod (with jitter) until we hold the lease.
      if (!(await this.tryAcquireOrRenew(signal))) {
        await sleep(this.retryPeriodMs * (1 + Math.random() * 0.2), signal);
        continue;
      }
      this.startLeading();
      // Leader: renew every retryPeriod; give up when no renewal succeeded within renewDeadline.
      while (!this.stopped) {
        await sleep(this.retryPeriodMs, signal);
        if (this.stopped) break;
        const remaining = this.renewedAt + this.renewDeadlineMs - performance.now();
        let renewed = false;
        if (remaining > 0) {
          const attempt = AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, Math.ceil(remaining)))]);
          renewed = await this.tryAcquireOrRenew(attempt);
        }
        if (this.stopped) break;
        if (!renewed && (!this.isLeader() || this.lastLeader !== this.options.identity)) {
          this.options.logger?.warn({ lease: `${this.options.namespace}/${this.options.name}`, identity: this.options.identity }, 'leader election: lost the lease');
          break;
        }
      }
      this.stopLeading();
    }
  }

  private startLeading(): void {
    this.leading = true;
    this.leadership = new AbortController();
    this.options.logger?.info({ lease: `${this.options.namespace}/${this.options.name}`, identity: this.options.identity }, 'leader election: started leading');
    this.callback(() => this.options.onStartedLeading?.(this.leadership!.signal));
  }

  private stopLeading(): void {
    if (!this.leading) return;
    this.leading = false;
    this.leadership?.abort();
    this.leadership = undefined;
    this.options.logger?.info({ lease: `${this.options.namespace}/${this.options.name}`, identity: this.options.identity }, 'leader election: stopped leading');
    this.callback(() => this.options.onStoppedLeading?.());
  }

  private callback(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.logger?.error({ err: (err as Error).message }, 'leader election callback failed');
    }
  }

  private observe(lease: Lease): void {
    const spec = lease.spec ?? {};
    const key = JSON.stringify([spec.holderIdentity ?? '', spec.renewTime ?? '', spec.acquireTime ?? '', spec.leaseDurationSeconds ?? 0, spec.leaseTransitions ?? 0]);
    if (this.observed?.key !== key) this.observed = { key, at: performance.now(), lease };
    else this.observed.lease = lease;
    const holder = spec.holderIdentity ?? '';
    if (holder !== '' && holder !== this.lastLeader) {
      this.lastLeader = holder;
      this.callback(() => this.options.onNewLeader?.(holder));
    }
  }

  /** One attempt to acquire or renew the lease; true when this candidate holds it now. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { client, namespace, name, identity } = this.options;
    const leaseDurationSeconds = Math.ceil(this.leaseDurationMs / 1000);
    const sentAt = performance.now();
    try {
      const lease = await getLease(client, namespace, name, signal);
      if (!lease) {
        const now = formatMicroTime();
        const created = await createLease(client, namespace, name, { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 }, signal);
        this.renewedAt = sentAt;
        this.observe(created);
        return true;
      }
      this.observe(lease);
      const holder = lease.spec?.holderIdentity ?? '';
      if (holder !== '' && holder !== identity) {
        const durationMs = (lease.spec?.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
        if (this.observed!.at + durationMs > performance.now()) return false;
      }
      if (holder !== identity && this.leading) return false; // somebody took it over
      const updated = await renewLease(client, lease, identity, leaseDurationSeconds, signal);
      this.renewedAt = sentAt;
      this.observe(updated);
      return true;
    } catch (err) {
      if (!(isConflict(err) || isAlreadyExists(err)) && !signal.aborted) {
        this.options.logger?.warn({ lease: `${namespace}/${name}`, err: (err as Error).message }, 'leader election: lease request failed');
      }
      return false;
    }
  }

  /** Gives the lease up (holder emptied) if we still hold it in the version we last wrote. */
  private async release(): Promise<void> {
    const lease = this.observed?.lease;
    if (!lease || lease.spec?.holderIdentity !== this.options.identity) return;
    const now = formatMicroTime();
    try {
      await updateLease(this.options.client, { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now } });
    } catch (err) {
      this.options.logger?.warn({ lease: `${this.options.namespace}/${this.options.name}`, err: (err as Error).message }, 'leader election: could not release the lease');
    }
  }
}
