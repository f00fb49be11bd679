// The simulated cluster's address plan. Every address lives only inside the run's own network
// namespaces (SPEC §9 test network rules). 192.0.2.0/24 is deliberately unused: on the machines this
// project is developed on, the host's own network is 192.0.2.0/24 (and fd00::/64), so a test address
// from it would be ambiguous in logs and one typo away from leaving the namespaces.

/** The LAN: one bridge joining router, control plane, client and nodes. */
export const LAN_IPV4_PREFIX = '198.51.100';
export const LAN_IPV4_CIDR = '198.51.100.0/24';
export const LAN_IPV6_PREFIX = 'fd9a:3c41:7e02:1';
export const LAN_IPV6_CIDR = 'fd9a:3c41:7e02:1::/64';

/**
 * Ranges tests may use for ServiceGroup pools: addresses inside the LAN (announced as *local*
 * addresses with ARP/NDP) and outside it (*virtual*, announced on kube-lb0 and routed).
 */
export const SUGGESTED_POOLS = {
  localIPv4: '198.51.100.200-198.51.100.250',
  localIPv6: 'fd9a:3c41:7e02:1::200-fd9a:3c41:7e02:1::2ff',
  virtualIPv4: '203.0.113.0/24',
  virtualIPv6: '2001:db8:e2e::/64',
} as const;

/** Highest node count: node addresses are .11 … .60 and must stay below the local pool. */
export const MAX_NODES = 50;

/** The API server's port on the control plane's LAN address. */
export const DEFAULT_API_PORT = 6443;

/** Service CIDRs of the testkube cluster (API objects only: no packet is ever sent to them). */
export const SERVICE_CIDR_V4 = '10.96.0.0/16';
export const SERVICE_CIDR_V6 = 'fd00:10:96::/108';

export type Role = 'lan' | 'router' | 'cp' | 'client';

export interface HostAddress {
  ipv4: string;
  ipv6: string;
  /** MAC of the member's LAN interface (fixed, so ARP/NDP captures are easy to read). */
  mac: string;
}

/** Address of the n-th host octet on the LAN (router 1, control plane 2, client 3, node i 10+i). */
export function lanAddress(octet: number): HostAddress {
  if (!Number.isInteger(octet) || octet < 1 || octet > 254) throw new Error(`LAN host number out of range: ${octet}`);
  return {
    ipv4: `${LAN_IPV4_PREFIX}.${octet}`,
    // The decimal digits are used as hex digits on purpose: node1 is .11 and ::11.
    ipv6: `${LAN_IPV6_PREFIX}::${octet}`,
    mac: `02:e2:e0:00:00:${octet.toString(16).padStart(2, '0')}`,
  };
}

export const ROUTER_OCTET = 1;
export const CONTROL_PLANE_OCTET = 2;
export const CLIENT_OCTET = 3;
export function nodeOctet(index: number): number {
  return 10 + index;
}

/** Kubernetes node name of the i-th node (1-based); the node's namespace is `<prefix><name>`. */
export function nodeName(index: number): string {
  return `node${index}`;
}
