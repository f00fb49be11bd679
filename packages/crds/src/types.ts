// TypeScript shapes of the purelb.io/v1 custom resources, exactly as SPEC §3.1 and §3.2 write them.
// They describe what a user may write: every field is optional here because the objects come from
// the API server (or a file) and the parsers, not the types, decide what is required.

/** The parts of ObjectMeta the product reads. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** One pool entry (`v4pool`, `v6pool`, or an item of `v4pools` / `v6pools`). */
export interface ServiceGroupPoolSpec {
  /** CIDR of the network the addresses belong to, e.g. `192.168.1.0/24`. */
  subnet?: string;
  /** Inclusive range `A-B`, or a CIDR meaning every address in it. Must lie inside `subnet`. */
  pool?: string;
  /** `default` (the subnet's mask) or `/N`: the mask used on `kube-lb0` for virtual addresses. */
  aggregation?: string;
}

export interface ServiceGroupLocalSpec {
  v4pool?: ServiceGroupPoolSpec;
  v6pool?: ServiceGroupPoolSpec;
  v4pools?: ServiceGroupPoolSpec[];
  v6pools?: ServiceGroupPoolSpec[];
}

export interface ServiceGroupSpec {
  local?: ServiceGroupLocalSpec;
  /** Only Services in these namespaces may use this group; empty or absent means all. */
  namespaces?: string[];
  /** Lower wins when several groups could serve a Service that names none (default 0). */
  priority?: number;
  /** Never hand out IPv4 addresses ending in .0 or .255 (default false). */
  avoidBuggyIPs?: boolean;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** A status condition (metav1.Condition shape). */
export interface Condition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface ServiceGroupStatus {
  allocatedIPv4?: number;
  allocatedIPv6?: number;
  availableIPv4?: number;
  availableIPv6?: number;
  conditions?: Condition[];
}

export interface ServiceGroup {
  apiVersion?: 'purelb.io/v1';
  kind?: 'ServiceGroup';
  metadata?: ObjectMeta;
  spec?: ServiceGroupSpec;
  status?: ServiceGroupStatus;
}

export interface GarpSpec {
  /** How many gratuitous ARPs / unsolicited NAs to send on takeover (default 3). */
  count?: number;
  /** Milliseconds between them (default 500). */
  intervalMs?: number;
}

export interface LBNodeAgentLocalSpec {
  /** `default` = the interface of the default route, else a regex matched against the whole interface name. */
  localint?: string;
  /** Dummy interface for virtual (non-local) addresses (default `kube-lb0`). */
  extlbint?: string;
  /** Send gratuitous ARP / unsolicited NA on takeover (default true). */
  sendgarp?: boolean;
  garp?: GarpSpec;
}

export interface LBNodeAgentSpec {
  /** Node labels this configuration applies to; empty matches every node, the most specific match wins. */
  nodeSelector?: Record<string, string>;
  local?: LBNodeAgentLocalSpec;
}

export interface LBNodeAgent {
  apiVersion?: 'purelb.io/v1';
  kind?: 'LBNodeAgent';
  metadata?: ObjectMeta;
  spec?: LBNodeAgentSpec;
}
