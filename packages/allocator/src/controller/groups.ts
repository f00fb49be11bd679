// ServiceGroup bookkeeping: parse every group, keep serving the last valid version of a group whose
// new spec is invalid, and say what happened (Parsed/ParseFailed events on transitions, the Valid
// condition and allocation counts in status). Pure apart from the clock passed in.
import { formatProblems, parseServiceGroup, statusCount, type NormalizedGroup, type ServiceGroup } from '@purelb/crds';
import type { GroupStats } from '../ipam/index.js';

export interface GroupVerdict {
  /** `namespace/name` of the ServiceGroup object. */
  key: string;
  name: string;
  valid: boolean;
  /** Problems of the current spec, formatted for the event and the condition. */
  message: string;
  /** The spec generation the verdict is about, to emit events once per change. */
  generation: number | undefined;
}

export interface GroupsEvaluation {
  /** Groups the IPAM serves: current valid specs, or the last valid one of an invalid group. */
  serving: NormalizedGroup[];
  verdicts: GroupVerdict[];
  /** ServiceGroups outside the install namespace (ignored, each gets a Warning). */
  ignored: ServiceGroup[];
}

/**
 * Evaluates all ServiceGroups. `lastValid` is updated in place: it maps `namespace/name` to the last
 * spec that parsed, which keeps serving while a newer spec is invalid (SPEC §3.1).
 */
export function evaluateGroups(all: ServiceGroup[], installNamespace: string, lastValid: Map<string, NormalizedGroup>): GroupsEvaluation {
  const mine = all.filter((g) => g.metadata?.namespace === installNamespace).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const ignored = all.filter((g) => g.metadata?.namespace !== installNamespace);
  const verdicts: GroupVerdict[] = [];
  const present = new Set<string>();
  for (const sg of mine) {
    const key = `${sg.metadata?.namespace}/${sg.metadata?.name}`;
    present.add(key);
    const others = mine.filter((o) => o !== sg);
    const result = parseServiceGroup(sg, others);
    if (result.ok) {
      lastValid.set(key, result.group);
      verdicts.push({ key, name: sg.metadata?.name ?? '', valid: true, message: '', generation: sg.metadata?.generation });
    } else {
      verdicts.push({ key, name: sg.metadata?.name ?? '', valid: false, message: formatProblems(result.problems), generation: sg.metadata?.generation });
    }
  }
  for (const key of [...lastValid.keys()]) if (!present.has(key)) lastValid.delete(key);
  const serving = [...lastValid.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, g]) => g);
  return { serving, verdicts, ignored };
}

export interface GroupStatus {
  allocatedIPv4: number;
  allocatedIPv6: number;
  availableIPv4: number;
  availableIPv6: number;
  conditions: Array<{ type: string; status: 'True' | 'False'; reason: string; message: string; lastTransitionTime: string; observedGeneration?: number }>;
}

/**
 * The status a ServiceGroup should show. `Valid` stays the first condition: the printer column reads
 * `.status.conditions[0].status`. The transition time only moves when the status flips.
 */
export function desiredGroupStatus(verdict: GroupVerdict, stats: GroupStats | undefined, previous: GroupStatus | undefined, now: Date): GroupStatus {
  const status: 'True' | 'False' = verdict.valid ? 'True' : 'False';
  const prevValid = previous?.conditions?.find((c) => c.type === 'Valid');
  const lastTransitionTime = prevValid && prevValid.status === status ? prevValid.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    allocatedIPv4: stats ? stats.IPv4.used : 0,
    allocatedIPv6: stats ? stats.IPv6.used : 0,
    availableIPv4: stats ? statusCount(stats.IPv4.available) : 0,
    availableIPv6: stats ? statusCount(stats.IPv6.available) : 0,
    conditions: [
      {
        type: 'Valid',
        status,
        reason: verdict.valid ? 'Parsed' : 'ParseFailed',
        message: verdict.valid ? 'the spec is valid and in use' : `${verdict.message}; the last valid spec keeps serving`,
        lastTransitionTime,
        ...(verdict.generation !== undefined ? { observedGeneration: verdict.generation } : {}),
      },
    ],
  };
}

export function sameGroupStatus(a: GroupStatus | undefined, b: GroupStatus): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b);
}
