// The node agent's functional core works on plain data: what the node has (interfaces), what the
// cluster wants (allocated Services with their endpoints), who else is alive (members), and this
// node's configuration. It returns the addresses this node must hold and what to announce.
import type { IPFamily } from '@purelb/shared';

/** An address configured on an interface, as `ip -json addr` shows it. */
export interface InterfaceAddress {
  family: IPFamily;
  /** Canonical text (dotted quad, RFC 5952). */
  address: string;
  prefixLength: number;
}

export interface LocalInterface {
  name: string;
  /** Link index (ifindex). */
  index: number;
  up: boolean;
  addresses: InterfaceAddress[];
}

/** The node's interfaces and which one carries the default route per family. */
export interface NodeInterfaces {
  interfaces: LocalInterface[];
  defaultRoute: Partial<Record<IPFamily, string>>;
}

/** The LBNodeAgent configuration that applies to this node (normalised by @purelb/crds). */
export interface AgentSettings {
  nodeName: string;
  /** `default` = the default-route interface per family; else an anchored regex over names. */
  localInterface: { mode: 'default' } | { mode: 'regex'; regex: RegExp };
  /** Dummy interface for virtual addresses (default kube-lb0). */
  extLbInterface: string;
  sendGarp: boolean;
  garp: { count: number; intervalMs: number };
}

/** One allocated address of a Service, with the aggregation of the pool it came from. */
export interface ServiceAddress {
  family: IPFamily;
  ip: string;
  /** Prefix length used on kube-lb0 for a virtual announcement. */
  aggregation: number;
}

/** What the agent needs to know of one allocated LoadBalancer Service. */
export interface ServiceView {
  /** `namespace/name`. */
  key: string;
  addresses: ServiceAddress[];
  /** `spec.externalTrafficPolicy: Local`. */
  etpLocal: boolean;
  /** `purelb.io/allow-local: "true"`. */
  allowLocal: boolean;
  /** Nodes with a ready (or serving) endpoint of this Service (from EndpointSlices `nodeName`). */
  endpointNodes: string[];
}

/** A live agent as its membership Lease describes it. */
export interface Member {
  node: string;
  /** Prefixes of the node's local interface(s) it can announce on, e.g. `198.51.100.0/24`. */
  subnets: string[];
}

export type AnnouncementKind = 'local' | 'virtual';

/** One address this node must hold, and why. */
export interface DesiredAddress {
  kind: AnnouncementKind;
  interface: string;
  family: IPFamily;
  ip: string;
  /** Interface mask for local addresses, the pool's aggregation for virtual ones. */
  prefixLength: number;
  /** Services this address is held for (shared addresses list several). */
  services: string[];
}

export interface Decision {
  /** Addresses this node must hold (everything else it manages must go). */
  desired: DesiredAddress[];
  /**
   * Per Service and family: the node announcing a local address (the election winner, which may be
   * another node), so the winner writes `purelb.io/announcing-IPvX: <node>, <interface>`.
   */
  localWinners: Array<{ service: string; family: IPFamily; ip: string; node: string; interface: string }>;
  /** Services with ETP Local on a local address and no allow-local: reset to Cluster (LocalOverride). */
  resetToCluster: string[];
  /** Prefixes of this node's selected local interface(s), for its membership Lease. */
  subnets: string[];
}
