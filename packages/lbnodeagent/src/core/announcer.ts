// What this node must hold, decided from plain data (SPEC §5). Every agent runs the same function on
// the same cluster view (Services, endpoints, members), so exactly one node decides to hold each
// local address and every eligible node decides to hold each virtual one. No I/O, no clock: the
// result depends only on the input, and not on the order of Services, members or interfaces.
import {
  compareAddresses,
  familyBits,
  formatAddress,
  formatCidr,
  networkOf,
  parseAddress,
  parseCidr,
  prefixContains,
  type IPAddress,
  type IPFamily,
  type IPPrefix,
} from '@purelb/shared';
import { electWinner } from './election.js';
import type { AgentSettings, Decision, DesiredAddress, InterfaceAddress, LocalInterface, Member, NodeInterfaces, ServiceView } from './types.js';

export interface DecideInput {
  settings: AgentSettings;
  interfaces: NodeInterfaces;
  services: ServiceView[];
  members: Member[];
}

const FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6'];

/** fe80::/10: on every IPv6 interface, says nothing about which global addresses are local. */
const IPV6_LINK_LOCAL: IPPrefix = parseCidr('fe80::/10');

function tryAddress(text: string): IPAddress | undefined {
  try {
    return parseAddress(text);
  } catch {
    return undefined;
  }
}

/** The address as a prefix source, or undefined for link-local, unparsable or mis-familied entries. */
function usablePrefix(a: InterfaceAddress, family: IPFamily): IPPrefix | undefined {
  if (a.family !== family) return undefined;
  const addr = tryAddress(a.address);
  if (!addr || addr.family !== family) return undefined;
  if (!Number.isInteger(a.prefixLength) || a.prefixLength < 0 || a.prefixLength > familyBits(family)) return undefined;
  if (family === 'IPv6' && prefixContains(IPV6_LINK_LOCAL, addr)) return undefined;
  return networkOf(addr, a.prefixLength);
}

/**
 * The local interface per family. `default`: the interface of the family's default route. Regex
 * (anchored by @purelb/crds): the first UP interface in ifindex order whose name matches and that has
 * a (non-link-local) address of the family — so `eth.*` selects eth0 for IPv4 and eth1 for IPv6 when
 * eth0 carries only IPv4. Never selected by a regex: the virtual-address interface (`extLbInterface`),
 * whose addresses are the ones we announce (selecting it would make every virtual address "local"),
 * and `lo`, which a broad regex such as `.*` would otherwise pick first (ifindex 1) and on which
 * nothing can be announced to the LAN.
 */
export function selectedInterfaces(settings: AgentSettings, interfaces: NodeInterfaces): Partial<Record<IPFamily, LocalInterface>> {
  const out: Partial<Record<IPFamily, LocalInterface>> = {};
  const byIndex = [...interfaces.interfaces].sort((a, b) => a.index - b.index || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const family of FAMILIES) {
    let chosen: LocalInterface | undefined;
    if (settings.localInterface.mode === 'default') {
      const name = interfaces.defaultRoute[family];
      chosen = name === undefined || name === settings.extLbInterface ? undefined : byIndex.find((i) => i.name === name);
    } else {
      const source = settings.localInterface.regex;
      // A global or sticky RegExp keeps state between test() calls; a fresh copy without them does not.
      const re = source.global || source.sticky ? new RegExp(source.source, source.flags.replace(/[gy]/g, '')) : source;
      chosen = byIndex.find(
        (i) => i.up && i.name !== settings.extLbInterface && i.name !== 'lo' && re.test(i.name) && i.addresses.some((a) => usablePrefix(a, family) !== undefined),
      );
    }
    if (chosen) out[family] = chosen;
  }
  return out;
}

interface LocalPrefix {
  family: IPFamily;
  iface: string;
  prefix: IPPrefix;
}

/** Every distinct prefix of the selected interfaces (what makes an address local; our Lease subnets). */
function localPrefixesOf(selected: Partial<Record<IPFamily, LocalInterface>>): LocalPrefix[] {
  const out: LocalPrefix[] = [];
  for (const family of FAMILIES) {
    const iface = selected[family];
    if (!iface) continue;
    for (const a of iface.addresses) {
      const prefix = usablePrefix(a, family);
      if (!prefix) continue;
      if (out.some((p) => p.family === family && p.prefix.network === prefix.network && p.prefix.length === prefix.length)) continue;
      out.push({ family, iface: iface.name, prefix });
    }
  }
  return out;
}

/** The most specific local prefix holding `addr` (the one whose mask the address gets). */
function localPrefixOf(prefixes: LocalPrefix[], addr: IPAddress): LocalPrefix | undefined {
  let best: LocalPrefix | undefined;
  for (const p of prefixes) {
    if (p.family !== addr.family || !prefixContains(p.prefix, addr)) continue;
    if (!best || p.prefix.length > best.prefix.length) best = p;
  }
  return best;
}

/** One address and every Service that carries it (shared addresses have several). */
interface AddressGroup {
  addr: IPAddress;
  ip: string;
  /** Per Service key (a Service listed twice counts once): the view and the address's aggregation. */
  services: Map<string, { view: ServiceView; aggregation: number }>;
}

function groupByAddress(services: ServiceView[]): AddressGroup[] {
  const groups = new Map<string, AddressGroup>();
  for (const view of services) {
    for (const a of view.addresses) {
      const addr = tryAddress(a.ip);
      if (!addr) continue; // Not an address: nothing to announce (the allocator never writes one).
      const ip = formatAddress(addr);
      let g = groups.get(ip);
      if (!g) groups.set(ip, (g = { addr, ip, services: new Map() }));
      if (!g.services.has(view.key)) g.services.set(view.key, { view, aggregation: a.aggregation });
    }
  }
  return [...groups.values()];
}

/** Members as parsed prefixes; unparsable subnets are ignored (a member we cannot read never wins). */
function memberPrefixes(members: Member[]): Array<{ node: string; prefixes: IPPrefix[] }> {
  const seen = new Map<string, IPPrefix[]>();
  for (const m of members) {
    const prefixes = seen.get(m.node) ?? [];
    for (const s of m.subnets) {
      try {
        prefixes.push(parseCidr(s, { hostBits: 'mask' }));
      } catch {
        // ignored, see above
      }
    }
    seen.set(m.node, prefixes);
  }
  return [...seen].map(([node, prefixes]) => ({ node, prefixes }));
}

/**
 * Candidates for a local address: the members whose subnets contain it, narrowed by the Services that
 * keep ETP Local (allow-local) to nodes with their endpoints. Several such Services on one address
 * (the allocator refuses this sharing, but the core must still pick one node): nodes with endpoints
 * of all of them, else of any of them. When nothing is left, a Service without that restriction
 * (Cluster, or ETP Local being reset to Cluster) still needs the address anywhere; a restricted-only
 * address with no endpoint node has no candidate, like a virtual ETP Local address without endpoints.
 */
function localCandidates(base: string[], group: AddressGroup): string[] {
  const views = [...group.services.values()].map((s) => s.view);
  const restricted = views.filter((v) => v.etpLocal && v.allowLocal);
  if (restricted.length === 0) return base;
  const all = base.filter((n) => restricted.every((v) => v.endpointNodes.includes(n)));
  if (all.length) return all;
  const any = base.filter((n) => restricted.some((v) => v.endpointNodes.includes(n)));
  if (any.length) return any;
  return restricted.length < views.length ? base : [];
}

/** The aggregation of a shared virtual address: the first (by Service key) valid one; else a host route. */
function aggregationOf(family: IPFamily, entries: Array<{ key: string; aggregation: number }>): number {
  const bits = familyBits(family);
  const valid = entries
    .filter((e) => Number.isInteger(e.aggregation) && e.aggregation >= 0 && e.aggregation <= bits)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return valid[0]?.aggregation ?? bits;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function decide(input: DecideInput): Decision {
  const { settings, interfaces, services, members } = input;
  const me = settings.nodeName;
  const prefixes = localPrefixesOf(selectedInterfaces(settings, interfaces));
  const candidates = memberPrefixes(members);

  const desired: Array<DesiredAddress & { addr: IPAddress }> = [];
  const localWinners: Decision['localWinners'] = [];
  const resetToCluster = new Set<string>();

  for (const group of groupByAddress(services)) {
    const { addr, ip } = group;
    const family = addr.family;
    const keys = [...group.services.keys()].sort(byText);
    const local = localPrefixOf(prefixes, addr);
    if (local) {
      for (const [key, { view }] of group.services) if (view.etpLocal && !view.allowLocal) resetToCluster.add(key);
      const base = candidates.filter((m) => m.prefixes.some((p) => prefixContains(p, addr))).map((m) => m.node);
      // One election per address, so a shared address lands on one node.
      const winner = electWinner(ip, localCandidates(base, group));
      if (winner === undefined) continue;
      // Only the winner knows its own interface name; this node's is the best guess for others'
      // entries, and only the winner writes its entries into annotations.
      for (const service of keys) localWinners.push({ service, family, ip, node: winner, interface: local.iface });
      if (winner === me) {
        desired.push({ kind: 'local', interface: local.iface, family, ip, prefixLength: local.prefix.length, services: keys, addr });
      }
    } else {
      // Any Service that needs the address here keeps it: Cluster ones always, ETP Local ones where
      // they have an endpoint.
      const eligible = [...group.services]
        .filter(([, { view }]) => !view.etpLocal || view.endpointNodes.includes(me))
        .map(([key, { aggregation }]) => ({ key, aggregation }));
      if (eligible.length === 0) continue;
      desired.push({
        kind: 'virtual',
        interface: settings.extLbInterface,
        family,
        ip,
        prefixLength: aggregationOf(family, eligible),
        services: eligible.map((e) => e.key).sort(byText),
        addr,
      });
    }
  }

  desired.sort((a, b) => (a.family === b.family ? compareAddresses(a.addr, b.addr) : a.family === 'IPv4' ? -1 : 1));
  localWinners.sort((a, b) => byText(a.service, b.service) || byText(a.family, b.family) || byText(a.ip, b.ip));
  return {
    desired: desired.map(({ addr: _addr, ...d }) => d),
    localWinners,
    resetToCluster: [...resetToCluster].sort(byText),
    subnets: [...new Set(prefixes.map((p) => formatCidr(p.prefix)))].sort(byText),
  };
}
