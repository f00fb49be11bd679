// What this node must hold, decided from plain data (SPEC §5). Every agent runs the same function on
// the same cluster view, so exactly one node decides to hold each local address.
import { formatAddress, formatCidr, networkOf, parseAddress, parseCidr, prefixContains, type IPAddress, type IPFamily } from '@purelb/shared';
import { electWinner } from './election.js';
import type { AgentSettings, Decision, DesiredAddress, LocalInterface, Member, NodeInterfaces, ServiceView } from './types.js';

export interface DecideInput {
  settings: AgentSettings;
  interfaces: NodeInterfaces;
  services: ServiceView[];
  members: Member[];
}

const FAMILIES: IPFamily[] = ['IPv4', 'IPv6'];

/** The local interface per family: the default-route one, or the first UP match of the regex. */
export function selectedInterfaces(settings: AgentSettings, interfaces: NodeInterfaces): Partial<Record<IPFamily, LocalInterface>> {
  const out: Partial<Record<IPFamily, LocalInterface>> = {};
  const sorted = [...interfaces.interfaces].sort((a, b) => a.index - b.index);
  for (const family of FAMILIES) {
    let chosen: LocalInterface | undefined;
    if (settings.localInterface.mode === 'default') {
      const name = interfaces.defaultRoute[family];
      chosen = sorted.find((i) => i.name === name);
    } else {
      const re = settings.localInterface.regex;
      chosen = sorted.find((i) => i.up && re.test(i.name) && i.name !== settings.extLbInterface && i.addresses.some((a) => a.family === family));
    }
    if (chosen) out[family] = chosen;
  }
  return out;
}

function parse(ip: string): IPAddress | undefined {
  try {
    return parseAddress(ip);
  } catch {
    return undefined;
  }
}

function isLinkLocal(a: { family: IPFamily; address: string }): boolean {
  return a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80:');
}

export function decide(input: DecideInput): Decision {
  const { settings, interfaces, services, members } = input;
  const me = settings.nodeName;
  const selected = selectedInterfaces(settings, interfaces);

  // Prefixes of the selected interfaces: what makes an address local, and what we advertise.
  const localPrefixes: Array<{ family: IPFamily; iface: string; prefix: ReturnType<typeof networkOf> }> = [];
  for (const family of FAMILIES) {
    const iface = selected[family];
    if (!iface) continue;
    for (const a of iface.addresses) {
      if (a.family !== family || isLinkLocal(a)) continue;
      const addr = parse(a.address);
      if (!addr) continue;
      const prefix = networkOf(addr, a.prefixLength);
      if (!localPrefixes.some((p) => p.prefix.network === prefix.network && p.prefix.length === prefix.length && p.family === family)) {
        localPrefixes.push({ family, iface: iface.name, prefix });
      }
    }
  }
  const subnets = localPrefixes.map((p) => formatCidr(p.prefix)).sort();
  const memberPrefixes = members.map((m) => ({
    node: m.node,
    prefixes: m.subnets.map((s) => {
      try {
        return parseCidr(s, { hostBits: 'mask' });
      } catch {
        return undefined;
      }
    }),
  }));

  const desired = new Map<string, DesiredAddress>();
  const localWinners: Decision['localWinners'] = [];
  const resetToCluster = new Set<string>();
  // Elect once per address: shared addresses land on one node.
  const elected = new Map<string, string | undefined>();

  for (const svc of services) {
    for (const a of svc.addresses) {
      const addr = parse(a.ip);
      if (!addr) continue;
      const ip = formatAddress(addr);
      const local = localPrefixes.find((p) => p.family === a.family && prefixContains(p.prefix, addr));
      if (local) {
        if (svc.etpLocal && !svc.allowLocal) resetToCluster.add(svc.key);
        const onlyEndpoints = svc.etpLocal && svc.allowLocal;
        const electionKey = onlyEndpoints ? `${ip}\u0000${svc.key}` : ip;
        let winner = elected.get(electionKey);
        if (!elected.has(electionKey)) {
          const candidates = memberPrefixes
            .filter((m) => m.prefixes.some((p) => p !== undefined && prefixContains(p, addr)))
            .map((m) => m.node)
            .filter((n) => !onlyEndpoints || svc.endpointNodes.includes(n));
          winner = electWinner(ip, candidates);
          elected.set(electionKey, winner);
        }
        if (!winner) continue;
        localWinners.push({ service: svc.key, family: a.family, ip, node: winner, interface: winner === me ? local.iface : local.iface });
        if (winner !== me) continue;
        const id = `${ip}@${local.iface}`;
        const existing = desired.get(id);
        if (existing) existing.services.push(svc.key);
        else desired.set(id, { kind: 'local', interface: local.iface, family: a.family, ip, prefixLength: local.prefix.length, services: [svc.key] });
      } else {
        if (svc.etpLocal && !svc.endpointNodes.includes(me)) continue;
        const id = `${ip}@${settings.extLbInterface}`;
        const existing = desired.get(id);
        if (existing) existing.services.push(svc.key);
        else desired.set(id, { kind: 'virtual', interface: settings.extLbInterface, family: a.family, ip, prefixLength: a.aggregation, services: [svc.key] });
      }
    }
  }
  for (const d of desired.values()) d.services.sort();
  return {
    desired: [...desired.values()].sort((x, y) => (x.ip < y.ip ? -1 : x.ip > y.ip ? 1 : 0)),
    localWinners,
    resetToCluster: [...resetToCluster].sort(),
    subnets,
  };
}
