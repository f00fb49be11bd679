// parseServiceGroup against a table of real-shaped specs (test/support/servicegroup-cases.ts): every
// good one normalises to the expected pools, every bad one yields exactly the listed problems (paths
// and messages are what operators see in ParseFailed events and the Valid condition, so they are
// compared verbatim).
import { describe, expect, it } from '@jest/globals';
import { formatAddress, type IPFamily } from '@purelb/shared';
import { formatProblems, parseServiceGroup } from '../src/index.js';
import { bad, good } from './support/servicegroup-cases.js';

describe('parseServiceGroup rejects', () => {
  it.each(bad.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(parseServiceGroup(c.sg, c.others)).toEqual({ ok: false, problems: c.problems });
  });
});

describe('parseServiceGroup accepts', () => {
  it.each(good.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = parseServiceGroup(c.sg, c.others);
    if (!r.ok) throw new Error(`unexpected problems: ${JSON.stringify(r.problems)}`);
    const got = [...r.group.pools.IPv4, ...r.group.pools.IPv6].map((p) => [
      p.family,
      `${fmt(p.subnet.family, p.subnet.network)}/${p.subnet.length}`,
      fmt(p.range.family, p.range.first),
      fmt(p.range.family, p.range.last),
      p.aggregation,
      p.source,
    ]);
    expect(got).toEqual(c.pools);
    c.check?.(r.group);
  });
});

it('has at least 40 cases covering both families', () => {
  expect(bad.length + good.length).toBeGreaterThanOrEqual(40);
});

// Formats through the shared library's canonical form (lowercase, RFC 5952) so expectations read naturally.
function fmt(family: IPFamily, value: bigint): string {
  return formatAddress({ family, value });
}

it('formats all problems as one event/condition message, path first', () => {
  const r = parseServiceGroup({ metadata: { name: 'g' }, spec: { local: { v4pool: { subnet: '192.168.1.0/24', pool: '192.168.1.250-192.168.1.240' } }, priority: -1 } });
  expect(r.ok ? '' : formatProblems(r.problems)).toBe(
    'spec.local.v4pool.pool: 192.168.1.250-192.168.1.240: start is after end; spec.priority: must be an integer from 0 to 2147483647 (got -1)',
  );
});
