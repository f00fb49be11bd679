// Pure translation from cached Kubernetes objects to the announcer core's inputs.
import {
  ALLOCATED_BY_VALUE,
  Annotations,
  parseLBNodeAgent,
  parseServiceGroup,
  selectAgentConfig,
  type NamedAgentConfig,
  type NormalizedPool,
  type ServiceGroup,
} from '@purelb/crds';
import { detectFamily, familyBits, formatAddress, parseAddress, rangeContains, type IPFamily, type KubeObject } from '@purelb/shared';
import type { AgentSettings, ServiceAddress, ServiceView } from '../core/types.js';

export interface ServiceObject extends KubeObject {
  spec?: { type?: string; externalTrafficPolicy?: string };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string }> } };
}

export interface EndpointSliceObject extends KubeObject {
  addressType?: string;
  endpoints?: Array<{ nodeName?: string; conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null } }>;
}

/** Every pool of every valid ServiceGroup in the install namespace (for aggregation and ownership). */
export function poolsOf(groups: ServiceGroup[], namespace: string): NormalizedPool[] {
  const mine = groups.filter((g) => g.metadata?.namespace === namespace);
  const pools: NormalizedPool[] = [];
  for (const sg of mine) {
    const result = parseServiceGroup(sg, mine.filter((o) => o !== sg));
    if (result.ok) pools.push(...result.group.pools.IPv4, ...result.group.pools.IPv6);
  }
  return pools;
}

/** The pool holding an address, if any. */
export function poolOf(pools: NormalizedPool[], ip: string): NormalizedPool | undefined {
  let addr;
  try {
    addr = parseAddress(ip);
  } catch {
    return undefined;
  }
  return pools.find((p) => rangeContains(p.range, addr));
}

/**
 * Nodes with an endpoint that can take traffic: ready, or serving while terminating (kube-proxy's
 * rule for ETP Local), from the Service's EndpointSlices.
 */
export function endpointNodes(slices: EndpointSliceObject[]): string[] {
  const nodes = new Set<string>();
  for (const slice of slices) {
    for (const ep of slice.endpoints ?? []) {
      if (!ep.nodeName) continue;
      const c = ep.conditions ?? {};
      const ready = c.ready !== false; // absent ready means ready (EndpointSlice API)
      const serving = c.serving === true;
      if (ready || serving) nodes.add(ep.nodeName);
    }
  }
  return [...nodes].sort();
}

/** The Services the agent announces: allocated by PureLB, LoadBalancer, with addresses in status. */
export function serviceViews(
  services: ServiceObject[],
  slicesOf: (key: string) => EndpointSliceObject[],
  pools: NormalizedPool[],
): ServiceView[] {
  const out: ServiceView[] = [];
  for (const svc of services) {
    if (svc.spec?.type !== 'LoadBalancer') continue;
    if (svc.metadata?.deletionTimestamp) continue;
    if (svc.metadata?.annotations?.[Annotations.allocatedBy] !== ALLOCATED_BY_VALUE) continue;
    const addresses: ServiceAddress[] = [];
    for (const ingress of svc.status?.loadBalancer?.ingress ?? []) {
      if (!ingress.ip) continue;
      const family = detectFamily(ingress.ip) as IPFamily | undefined;
      if (!family) continue;
      let canonical: string;
      try {
        canonical = formatCanonical(ingress.ip);
      } catch {
        continue;
      }
      const pool = poolOf(pools, canonical);
      addresses.push({ family, ip: canonical, aggregation: pool ? pool.aggregation : familyBits(family) });
    }
    if (addresses.length === 0) continue;
    const key = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
    out.push({
      key,
      addresses,
      etpLocal: svc.spec?.externalTrafficPolicy === 'Local',
      allowLocal: svc.metadata?.annotations?.[Annotations.allowLocal] === 'true',
      endpointNodes: endpointNodes(slicesOf(key)),
    });
  }
  out.sort((a, b) => a.key.localeCompare(b.key));
  return out;
}

function formatCanonical(ip: string): string {
  return formatAddress(parseAddress(ip));
}

/** The settings for this node: the most specific matching LBNodeAgent, else the defaults. */
export function agentSettings(nodeName: string, nodeLabels: Record<string, string>, agents: KubeObject[], namespace: string): AgentSettings {
  const parsed: NamedAgentConfig[] = [];
  for (const a of agents) {
    if (a.metadata?.namespace !== namespace) continue;
    const r = parseLBNodeAgent((a as { spec?: unknown }).spec);
    if (r.ok) parsed.push({ name: a.metadata?.name ?? '', config: r.config });
  }
  const chosen = selectAgentConfig(parsed, nodeLabels);
  const config = chosen?.config;
  return {
    nodeName,
    localInterface: !config || config.localint.mode === 'default' ? { mode: 'default' } : { mode: 'regex', regex: config.localint.regex },
    extLbInterface: config?.extlbint ?? 'kube-lb0',
    sendGarp: config?.sendgarp ?? true,
    garp: config?.garp ?? { count: 3, intervalMs: 500 },
  };
}
