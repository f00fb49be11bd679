// Membership on Kubernetes Leases (SPEC §5): every agent holds `purelb-node-<node>` in the install
// namespace, renewed well within its duration and carrying the subnets it can announce on. A Lease
// that is not renewed in time is a dead node. Deleting our own Lease first on shutdown lets the
// others take over within one reconcile instead of after the expiry.
import { NODE_LEASE_PREFIX, nodeLeaseName } from '@purelb/crds';
import {
  Resources,
  formatMicroTime,
  isAlreadyExists,
  isConflict,
  isNotFound,
  leaseExpiresAt,
  nowEpochMicros,
  type KubeClient,
  type Lease,
  type Logger,
} from '@purelb/shared';
import type { Member } from '../core/types.js';

/** Annotation on a membership Lease: comma-separated prefixes the node can announce on. */
export const SUBNETS_ANNOTATION = 'purelb.io/subnets';
export const MEMBER_LABEL = 'purelb.io/component';
export const MEMBER_LABEL_VALUE = 'lbnodeagent';

export function isMemberLease(lease: Lease): boolean {
  return (lease.metadata?.name ?? '').startsWith(NODE_LEASE_PREFIX);
}

/**
 * Live members from the Leases in the cache; `nowMicros` decides expiry. The earliest future expiry
 * is returned too, so the caller can re-evaluate exactly when a member would drop out.
 */
export function liveMembers(leases: Lease[], nowMicros: number): { members: Member[]; nextExpiryMicros: number | undefined } {
  const members: Member[] = [];
  let nextExpiryMicros: number | undefined;
  for (const lease of leases) {
    if (!isMemberLease(lease) || lease.metadata?.deletionTimestamp) continue;
    const expires = leaseExpiresAt(lease);
    if (expires === undefined || expires <= nowMicros) continue;
    if (nextExpiryMicros === undefined || expires < nextExpiryMicros) nextExpiryMicros = expires;
    const node = lease.spec?.holderIdentity ?? (lease.metadata?.name ?? '').slice(NODE_LEASE_PREFIX.length);
    const subnets = (lease.metadata?.annotations?.[SUBNETS_ANNOTATION] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    members.push({ node, subnets });
  }
  members.sort((a, b) => a.node.localeCompare(b.node));
  return { members, nextExpiryMicros };
}

export interface MembershipOptions {
  client: KubeClient;
  namespace: string;
  node: string;
  leaseDurationSeconds: number;
  logger: Logger;
}

/** This node's own Lease: created or taken over at start, renewed, deleted on shutdown. */
export class MembershipLease {
  private subnets: string[] = [];
  private lease: Lease | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Whether the last renewal succeeded within the lease duration (for /readyz and the core). */
  private lastRenewMicros = 0;

  constructor(private readonly options: MembershipOptions) {}

  get name(): string {
    return nodeLeaseName(this.options.node);
  }

  /** True while our Lease is known to be current. */
  healthy(nowMicros = nowEpochMicros()): boolean {
    return !this.stopped && nowMicros - this.lastRenewMicros < this.options.leaseDurationSeconds * 1_000_000;
  }

  /** Sets the subnets to advertise; written at the next renewal or at once when they changed. */
  async setSubnets(subnets: string[]): Promise<void> {
    const sorted = [...subnets].sort();
    if (JSON.stringify(sorted) === JSON.stringify(this.subnets) && this.lease) return;
    this.subnets = sorted;
    await this.renew();
  }

  start(): void {
    const interval = Math.max(200, (this.options.leaseDurationSeconds * 1000) / 3);
    const tick = () => {
      if (this.stopped) return;
      this.renew()
        .catch((err: unknown) => this.options.logger.warn({ err }, 'membership lease renewal failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, interval);
        });
    };
    tick();
  }

  /** Stops renewing and deletes the Lease so that peers take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    try {
      await this.options.client.delete(Resources.leases, this.name, this.options.namespace);
    } catch (err) {
      if (!isNotFound(err)) this.options.logger.warn({ err }, 'could not delete the membership lease');
    }
  }

  private desired(existing: Lease | undefined): Lease {
    const now = formatMicroTime();
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...(existing?.metadata ?? {}),
        name: this.name,
        namespace: this.options.namespace,
        labels: { ...(existing?.metadata?.labels ?? {}), [MEMBER_LABEL]: MEMBER_LABEL_VALUE },
        annotations: { ...(existing?.metadata?.annotations ?? {}), [SUBNETS_ANNOTATION]: this.subnets.join(',') },
      },
      spec: {
        holderIdentity: this.options.node,
        leaseDurationSeconds: this.options.leaseDurationSeconds,
        acquireTime: existing?.spec?.acquireTime ?? now,
        renewTime: now,
      },
    };
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    const { client, namespace } = this.options;
    const started = nowEpochMicros();
    if (this.lease) {
      try {
        this.lease = await client.update(Resources.leases, this.desired(this.lease));
        this.lastRenewMicros = started;
        return;
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err;
        this.lease = undefined; // someone else changed or deleted it: read it again
      }
    }
    try {
      const existing = await client.get<Lease>(Resources.leases, this.name, namespace);
      this.lease = await client.update(Resources.leases, this.desired(existing));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        this.lease = await client.create(Resources.leases, this.desired(undefined));
      } catch (createErr) {
        if (!isAlreadyExists(createErr)) throw createErr;
        return; // raced with a predecessor's leftover: the next tick updates it
      }
    }
    this.lastRenewMicros = started;
  }
}
