import type { IPFamily } from '@purelb/shared';

export type IPFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

/** One Service port as far as sharing is concerned (SPEC §3.3: TCP/80 and UDP/80 do not clash). */
export interface ServicePort {
  protocol: string;
  port: number;
}

/** What a LoadBalancer Service asks of the allocator, read from its spec and annotations. */
export interface AllocationRequest {
  /** `namespace/name`. */
  key: string;
  namespace: string;
  /** `spec.ipFamilies` as the API server resolved them, in the Service's order. */
  families: IPFamily[];
  policy: IPFamilyPolicy;
  /** `purelb.io/service-group`. */
  groupName?: string;
  /** `purelb.io/addresses` or `spec.loadBalancerIP`: at most one per family. */
  requested?: string[];
  /** Addresses in `status.loadBalancer.ingress`, adopted when they lie in a pool the Service may use. */
  current?: string[];
  /** `purelb.io/allow-shared-ip`; empty or absent = never share. */
  sharingKey?: string;
  ports: ServicePort[];
  /** `spec.externalTrafficPolicy: Local`. */
  etpLocal: boolean;
  /**
   * Re-allocate an allocation that a ServiceGroup edit orphaned (`--reclaim-orphans` or
   * `purelb.io/re-evaluate`). Without it an orphaned allocation is kept exactly as it is (SPEC §4).
   */
  reclaim?: boolean;
}

/** One address held by a Service. */
export interface AllocatedAddress {
  family: IPFamily;
  /** Canonical text (dotted quad, RFC 5952). */
  ip: string;
  /** The ServiceGroup the allocation belongs to. */
  group: string;
  /** `source` of the pool holding the address (e.g. `spec.local.v4pools[1]`); undefined when no pool holds it any more. */
  pool: string | undefined;
  /** Prefix length for virtual announcements; the family's full length when no pool holds the address. */
  aggregation: number;
}

export type FailureReason =
  | 'invalid-request'
  | 'invalid-address'
  | 'family-mismatch'
  | 'unknown-group'
  | 'namespace-not-allowed'
  | 'no-group'
  | 'outside-pools'
  | 'mixed-groups'
  | 'group-mismatch'
  | 'buggy-address'
  | 'family-unavailable'
  | 'dual-stack-impossible'
  | 'exhausted'
  | 'address-held'
  | 'port-clash'
  | 'etp-local';

/** Why an allocation failed; `message` is the user-facing text of the `AllocationFailed` event. */
export interface AllocationFailure {
  reason: FailureReason;
  message: string;
  family?: IPFamily;
  ip?: string;
  group?: string;
  /** The Service holding what was asked for (`namespace/name`). */
  holder?: string;
}

export type AllocationResult =
  | {
      ok: true;
      group: string;
      /** The Service's addresses after the call, in its family order. */
      addresses: AllocatedAddress[];
      /** Whether anything (addresses or group) differs from before the call. */
      changed: boolean;
      /** Addresses this call gave up (moved away from or dropped with a family). */
      released: AllocatedAddress[];
      /** The allocation no longer fits its ServiceGroups and was kept because `reclaim` was not set. */
      orphaned: boolean;
    }
  | { ok: false; failure: AllocationFailure };

/** A Service's allocation as the allocator holds it. */
export interface AllocationView {
  key: string;
  namespace: string;
  group: string;
  addresses: AllocatedAddress[];
  sharingKey: string;
  ports: ServicePort[];
  etpLocal: boolean;
  /** No longer fits: its group is gone, refuses the namespace, or an address left the group's pools. */
  orphaned: boolean;
}

/** An allocation as found on a Service at start (status addresses + annotations), for `rebuild`. */
export interface ExistingAllocation {
  key: string;
  namespace: string;
  /** `purelb.io/allocated-from`; when absent, the group whose pool holds the first address. */
  group?: string;
  /** The addresses in status, in the Service's family order. */
  addresses: string[];
  sharingKey?: string;
  ports: ServicePort[];
  etpLocal: boolean;
}

export interface Orphan {
  key: string;
  group: string;
  /** The addresses that no longer lie in a pool of the group the Service may use. */
  addresses: string[];
  /** User-facing text for the Warning event. */
  message: string;
}

export interface RebuildResult {
  /** Keys restored, in input order. */
  restored: string[];
  /** Entries refused because they conflict with an earlier entry or are malformed; nothing of them is kept. */
  rejected: { key: string; failure: AllocationFailure }[];
  /** Restored entries that no longer fit their group (kept, holding their addresses). */
  orphans: Orphan[];
}

export interface IgnoredPool {
  group: string;
  source: string;
  message: string;
}

export interface SetGroupsResult {
  /** Allocations that no longer fit (kept, holding their addresses, until reclaimed or released). */
  orphans: Orphan[];
  /** Pools left out because they overlap a pool of an earlier group (or the group name is a duplicate). */
  ignored: IgnoredPool[];
}

export interface FamilyStats {
  /** Usable addresses in the family's pools. */
  size: bigint;
  /** Addresses held (by allocations, shared ones counted once). */
  used: number;
  available: bigint;
}

export interface PoolStats extends FamilyStats {
  family: IPFamily;
  source: string;
  text: string;
}

export interface GroupStats {
  name: string;
  IPv4: FamilyStats;
  IPv6: FamilyStats;
  pools: PoolStats[];
}
