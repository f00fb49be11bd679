// The allocator's imperative shell: informers for Services and ServiceGroups, one work queue, the
// IPAM, and the writes the functional core (service.ts, groups.ts) asks for. Level-triggered: every
// reconcile recomputes from the cache, so a missed event or a crash between two writes converges.
import { EventReasons, Components, type NormalizedGroup, type ServiceGroup } from '@purelb/crds';
import {
  EventRecorder,
  Informer,
  WorkQueue,
  isNotFound,
  type KubeClient,
  type KubeObject,
  type ResourceDescriptor,
  Resources,
} from '@purelb/shared';
import type { Logger } from '@purelb/shared';
import { Ipam } from '../ipam/index.js';
import { evaluateGroups, desiredGroupStatus, sameGroupStatus, type GroupStatus } from './groups.js';
import {
  allocationFingerprint,
  existingAllocation,
  isBranded,
  notResponsibleBecause,
  requestFor,
  serviceKey,
  writesForAllocation,
  writesForCleanup,
  type ControllerSettings,
  type DesiredWrites,
  type ServiceObject,
} from './service.js';

export const ServiceGroups: ResourceDescriptor = { group: 'purelb.io', version: 'v1', plural: 'servicegroups', namespaced: true, kind: 'ServiceGroup' };

export interface AllocatorMetrics {
  allocations?(outcome: 'allocated' | 'failed' | 'released', reason: string): void;
  reconcileSeconds?(seconds: number): void;
  poolStats?(ipam: Ipam): void;
}

export interface AllocatorControllerOptions extends ControllerSettings {
  client: KubeClient;
  logger: Logger;
  recorder?: EventRecorder;
  workers?: number;
  metrics?: AllocatorMetrics;
}

const SG_STATUS_KEY = '\u0000servicegroups';

function serviceRef(svc: KubeObject) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    name: svc.metadata?.name ?? '',
    namespace: svc.metadata?.namespace,
    uid: svc.metadata?.uid,
    resourceVersion: svc.metadata?.resourceVersion,
  };
}

function groupRef(sg: KubeObject) {
  return {
    apiVersion: 'purelb.io/v1',
    kind: 'ServiceGroup',
    name: sg.metadata?.name ?? '',
    namespace: sg.metadata?.namespace,
    uid: sg.metadata?.uid,
    resourceVersion: sg.metadata?.resourceVersion,
  };
}

export class AllocatorController {
  readonly ipam = new Ipam();
  readonly services: Informer<ServiceObject>;
  readonly groups: Informer<ServiceGroup & KubeObject>;
  private readonly queue: WorkQueue<string>;
  private readonly recorder: EventRecorder;
  private readonly lastValid = new Map<string, NormalizedGroup>();
  /** Last failure message per Service, so AllocationFailed is emitted on transitions only. */
  private readonly lastFailure = new Map<string, string>();
  /** Services waiting for an address: retried whenever an address frees or the groups change. */
  private readonly pending = new Set<string>();
  /** Verdict per ServiceGroup already announced by an event (key → generation/valid). */
  private readonly announcedVerdicts = new Map<string, string>();
  private readonly warnedIgnored = new Set<string>();
  private warnedOrphans = new Set<string>();
  private readonly deprecationWarned = new Set<string>();
  private running: Promise<void> | undefined;
  private ready = false;

  constructor(private readonly options: AllocatorControllerOptions) {
    const { client, logger } = options;
    this.services = new Informer<ServiceObject>({ client, resource: Resources.services, logger, name: 'services' });
    this.groups = new Informer<ServiceGroup & KubeObject>({ client, resource: ServiceGroups, logger, name: 'servicegroups' });
    this.queue = new WorkQueue<string>({ name: 'services', logger, baseDelayMs: 50, maxDelayMs: 30_000 });
    this.recorder = options.recorder ?? new EventRecorder({ client, component: Components.allocator, logger });
  }

  /** Ready once the caches are synced and every existing allocation is rebuilt. */
  isReady(): boolean {
    return this.ready;
  }

  /** Starts informers (non-leaders keep them warm, so a takeover needs no relist). */
  startInformers(): void {
    this.services.start();
    this.groups.start();
  }

  /**
   * Runs as the leader: rebuilds every allocation from the API before allocating anything, then
   * reconciles until `signal` aborts.
   */
  async run(signal: AbortSignal): Promise<void> {
    this.startInformers();
    await Promise.all([this.services.synced, this.groups.synced]);
    this.refreshGroups();
    this.rebuild();
    this.services.addHandler({
      onAdd: (svc) => this.enqueue(svc),
      onUpdate: (oldSvc, newSvc) => {
        if (allocationFingerprint(oldSvc) !== allocationFingerprint(newSvc)) this.enqueue(newSvc);
      },
      onDelete: (svc) => this.enqueue(svc),
    });
    this.groups.addHandler({
      onAdd: () => this.groupsChanged(),
      onUpdate: (a, b) => {
        if (JSON.stringify(a.spec) !== JSON.stringify(b.spec) || a.metadata?.namespace !== b.metadata?.namespace) this.groupsChanged();
      },
      onDelete: () => this.groupsChanged(),
    });
    this.ready = true;
    this.queue.add(SG_STATUS_KEY);
    signal.addEventListener('abort', () => void this.queue.shutdown(), { once: true });
    this.running = this.queue.runWorkers(this.options.workers ?? 4, (key) => this.reconcile(key));
    await this.running;
  }

  async stop(): Promise<void> {
    await this.queue.shutdown();
    await Promise.all([this.services.stop(), this.groups.stop()]);
    await this.recorder.flush();
  }

  private enqueue(svc: KubeObject): void {
    this.queue.add(serviceKey(svc));
  }

  // ------------------------------------------------------------------ groups

  private refreshGroups(): void {
    const evaluation = evaluateGroups(this.groups.list(), this.options.namespace, this.lastValid);
    const result = this.ipam.setGroups(evaluation.serving);
    // setGroups reports every current orphan; warn when one first appears (or its reason changes).
    const current = new Set<string>();
    for (const orphan of result.orphans) {
      const stamp = `${orphan.key}\u0000${orphan.message}`;
      current.add(stamp);
      if (this.warnedOrphans.has(stamp)) continue;
      const svc = this.services.get(orphan.key);
      if (svc) this.recorder.warning(serviceRef(svc), EventReasons.AllocationFailed, orphan.message);
    }
    this.warnedOrphans = current;
    for (const ignored of result.ignored) {
      this.options.logger.warn({ group: ignored.group, pool: ignored.source }, ignored.message);
    }
    for (const sg of evaluation.ignored) {
      const key = `${sg.metadata?.namespace}/${sg.metadata?.name}`;
      if (this.warnedIgnored.has(key)) continue;
      this.warnedIgnored.add(key);
      this.recorder.warning(
        groupRef(sg),
        EventReasons.ParseFailed,
        `ServiceGroup ignored: only ServiceGroups in namespace ${this.options.namespace} are read`,
      );
    }
    for (const v of evaluation.verdicts) {
      const stamp = `${v.generation ?? ''}/${v.valid}/${v.message}`;
      if (this.announcedVerdicts.get(v.key) === stamp) continue;
      this.announcedVerdicts.set(v.key, stamp);
      const sg = this.groups.get(v.key);
      if (!sg) continue;
      if (v.valid) this.recorder.normal(groupRef(sg), EventReasons.Parsed, 'ServiceGroup parsed; its pools are in use');
      else this.recorder.warning(groupRef(sg), EventReasons.ParseFailed, `${v.message}; the last valid configuration keeps serving`);
    }
  }

  private groupsChanged(): void {
    if (!this.ready) return;
    this.refreshGroups();
    // Every Service may be affected (new pools, orphans, priority changes): recheck them all.
    for (const key of this.services.keys()) this.queue.add(key);
    this.queue.add(SG_STATUS_KEY);
  }

  private async writeGroupStatuses(): Promise<void> {
    const evaluation = evaluateGroups(this.groups.list(), this.options.namespace, new Map(this.lastValid));
    const now = new Date();
    for (const v of evaluation.verdicts) {
      const sg = this.groups.get(v.key);
      if (!sg) continue;
      const previous = (sg as { status?: GroupStatus }).status;
      const desired = desiredGroupStatus(v, this.ipam.groupStats(v.name), previous, now);
      if (sameGroupStatus(previous, desired)) continue;
      try {
        await this.options.client.patchStatus(ServiceGroups, v.name, this.options.namespace, { status: desired });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    this.options.metrics?.poolStats?.(this.ipam);
  }

  // ------------------------------------------------------------------ rebuild

  /** Restores every allocation recorded on Services before anything new is allocated (SPEC §4). */
  private rebuild(): void {
    const existing = this.services
      .list()
      .filter((svc) => !notResponsibleBecause(svc, this.options) || isBranded(svc))
      .map((svc) => existingAllocation(svc))
      .filter((e): e is NonNullable<typeof e> => e !== undefined)
      .sort((a, b) => a.key.localeCompare(b.key));
    const result = this.ipam.rebuild(existing);
    for (const r of result.rejected) {
      const svc = this.services.get(r.key);
      this.options.logger.warn({ service: r.key, reason: r.failure.message }, 'allocation found on the Service conflicts with another; it will be re-allocated');
      if (svc) this.recorder.warning(serviceRef(svc), EventReasons.AllocationFailed, `recorded address refused at start: ${r.failure.message}`);
    }
    this.options.logger.info({ restored: result.restored.length, rejected: result.rejected.length }, 'allocations rebuilt');
  }

  // ------------------------------------------------------------------ reconcile

  private async reconcile(key: string): Promise<void> {
    if (key === SG_STATUS_KEY) return this.writeGroupStatuses();
    const started = process.hrtime.bigint();
    try {
      await this.reconcileService(key);
    } finally {
      this.options.metrics?.reconcileSeconds?.(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private async reconcileService(key: string): Promise<void> {
    const svc = this.services.get(key);
    if (!svc) {
      // Gone without our finalizer (or we never branded it): just free what it held.
      this.release(key, undefined, 'the Service was deleted');
      return;
    }
    const why = notResponsibleBecause(svc, this.options);
    if (why !== undefined) {
      const view = this.ipam.allocationOf(key);
      this.pending.delete(key);
      this.lastFailure.delete(key);
      if (!view && !isBranded(svc)) return;
      const released = this.release(key, svc, why);
      await this.write(svc, writesForCleanup(svc, released));
      return;
    }
    const { request, usesLoadBalancerIP } = requestFor(svc, this.options);
    const result = this.ipam.allocate(request);
    if (!result.ok) {
      this.pending.add(key);
      const message = result.failure.message;
      if (this.lastFailure.get(key) !== message) {
        this.lastFailure.set(key, message);
        this.recorder.warning(serviceRef(svc), EventReasons.AllocationFailed, message);
        this.options.metrics?.allocations?.('failed', result.failure.reason);
      }
      return;
    }
    this.pending.delete(key);
    this.lastFailure.delete(key);
    if (result.released.length) this.retryPending();
    await this.write(svc, writesForAllocation(svc, result.group, result.addresses));
    if (result.changed || !isBranded(svc)) {
      const assigned = result.addresses.filter((a) => !(svc.status?.loadBalancer?.ingress ?? []).some((i) => i.ip === a.ip));
      for (const a of assigned) {
        this.recorder.normal(serviceRef(svc), EventReasons.IPAllocated, `Assigned IP ${a.ip} from pool ${result.group}`);
        this.options.metrics?.allocations?.('allocated', 'ok');
      }
      if (usesLoadBalancerIP && !this.deprecationWarned.has(key)) {
        this.deprecationWarned.add(key);
        this.recorder.normal(
          serviceRef(svc),
          EventReasons.DeprecationWarning,
          'spec.loadBalancerIP is deprecated; use the purelb.io/addresses annotation instead',
        );
      }
      this.scheduleGroupStatus();
    }
  }

  /** Frees a Service's addresses in the IPAM and wakes Services waiting for one. */
  private release(key: string, svc: ServiceObject | undefined, why: string): string[] {
    const released = this.ipam.release(key).map((a) => a.ip);
    this.pending.delete(key);
    this.lastFailure.delete(key);
    this.deprecationWarned.delete(key);
    if (released.length) {
      if (svc) {
        for (const ip of released) this.recorder.normal(serviceRef(svc), EventReasons.AddressReleased, `Released IP ${ip}: ${why}`);
      }
      this.options.metrics?.allocations?.('released', 'ok');
      this.retryPending();
      this.scheduleGroupStatus();
    }
    return released;
  }

  /**
   * ServiceGroup status counts change with every allocation; write them at most about once a second
   * instead of once per Service (the queue dedupes the key while it waits).
   */
  private scheduleGroupStatus(): void {
    this.queue.addAfter(SG_STATUS_KEY, 1000);
  }

  private retryPending(): void {
    for (const key of this.pending) this.queue.add(key);
  }

  /** Metadata first (finalizer before any address is written) unless the writes say otherwise. */
  private async write(svc: ServiceObject, writes: DesiredWrites): Promise<void> {
    const name = svc.metadata?.name ?? '';
    const namespace = svc.metadata?.namespace;
    const client = this.options.client;
    const writeMetadata = async () => {
      if (writes.metadata) await client.patchStrategic(Resources.services, name, namespace, writes.metadata);
    };
    const writeStatus = async () => {
      if (writes.status) await client.patchStatus(Resources.services, name, namespace, writes.status);
    };
    try {
      if (writes.statusFirst) {
        await writeStatus();
        await writeMetadata();
      } else {
        await writeMetadata();
        await writeStatus();
      }
    } catch (err) {
      // Gone already: nothing left to write. Anything else (409, 5xx) is retried with backoff by the
      // queue, and the next attempt starts again from the cache.
      if (isNotFound(err)) return;
      throw err;
    }
  }
}
