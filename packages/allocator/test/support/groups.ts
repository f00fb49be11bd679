// Builders for NormalizedGroup / AllocationRequest so tables stay one line per case.
import { parseCidr, parseRange, type IPFamily } from '@purelb/shared';
import type { NormalizedGroup, NormalizedPool } from '@purelb/crds';
import type { AllocationRequest } from '../../src/index.js';

export interface GroupSpec {
  v4?: string[];
  v6?: string[];
  namespaces?: string[];
  priority?: number;
  avoidBuggyIPs?: boolean;
}

function pool(family: IPFamily, text: string, index: number): NormalizedPool {
  const range = parseRange(text);
  if (range.family !== family) throw new Error(`${text} is not ${family}`);
  // The allocator never reads the subnet; a covering prefix keeps the builder one argument.
  const subnet = parseCidr(family === 'IPv4' ? '0.0.0.0/0' : '::/0');
  return {
    family,
    subnet,
    range,
    aggregation: family === 'IPv4' ? 32 : 128,
    source: `spec.local.${family === 'IPv4' ? 'v4pools' : 'v6pools'}[${index}]`,
    text,
  };
}

export function group(name: string, spec: GroupSpec): NormalizedGroup {
  return {
    name,
    namespace: 'purelb',
    pools: {
      IPv4: (spec.v4 ?? []).map((t, i) => pool('IPv4', t, i)),
      IPv6: (spec.v6 ?? []).map((t, i) => pool('IPv6', t, i)),
    },
    namespaces: spec.namespaces ?? [],
    priority: spec.priority ?? 0,
    avoidBuggyIPs: spec.avoidBuggyIPs ?? false,
  };
}

/** A single-stack IPv4 Service `key` with TCP/80 unless told otherwise. */
export function req(key: string, extra: Partial<AllocationRequest> = {}): AllocationRequest {
  const namespace = key.split('/')[0] ?? 'default';
  return {
    key,
    namespace,
    families: ['IPv4'],
    policy: 'SingleStack',
    ports: [{ protocol: 'TCP', port: 80 }],
    etpLocal: false,
    ...extra,
  };
}

export const dual = (key: string, policy: AllocationRequest['policy'], extra: Partial<AllocationRequest> = {}): AllocationRequest =>
  req(key, { families: ['IPv4', 'IPv6'], policy, ...extra });
