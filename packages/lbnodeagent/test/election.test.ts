// Rendezvous hashing: agents agree without talking, and membership changes move as little as possible.
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { electWinner } from '../src/core/election.js';

const nodeName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const nodeSet = (min: number, max: number) => fc.uniqueArray(nodeName, { minLength: min, maxLength: max });
const ipv4 = fc.ipV4();

function addresses(n: number): string[] {
  // 198.51.100.0/24 and 203.0.113.0/24, then ULA: enough distinct canonical addresses.
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i < 256) out.push(`198.51.100.${i}`);
    else if (i < 512) out.push(`203.0.113.${i - 256}`);
    else out.push(`fd00:e1ec::${(i - 512).toString(16)}`);
  }
  return out;
}

describe('electWinner', () => {
  it('has no winner without candidates and the only candidate wins alone', () => {
    expect(electWinner('198.51.100.10', [])).toBeUndefined();
    expect(electWinner('198.51.100.10', ['node7'])).toBe('node7');
  });

  it('follows SHA-256(node#ip), highest digest wins (the hash is a protocol between agent versions)', () => {
    // Digests from `printf 'node1#198.51.100.10' | sha256sum` etc., computed outside this code:
    // node1 ea2d0e…, node2 bd57bd…, node3 7f8f7b…; for fd00:1::10: node1 c8ea63…, node2 f1901f…, node3 64a3a4….
    expect(electWinner('198.51.100.10', ['node1', 'node2', 'node3'])).toBe('node1');
    expect(electWinner('198.51.100.10', ['node2', 'node3'])).toBe('node2');
    expect(electWinner('fd00:1::10', ['node1', 'node2', 'node3'])).toBe('node2');
    expect(electWinner('fd00:1::10', ['node1', 'node3'])).toBe('node1');
  });

  it('agrees on every node: the result depends on the candidate set only, not order or duplicates', () => {
    fc.assert(
      fc.property(
        ipv4,
        nodeSet(1, 12).chain((nodes) => fc.tuple(fc.constant(nodes), fc.shuffledSubarray(nodes, { minLength: nodes.length }))),
        (ip, [nodes, shuffled]) => {
        const winner = electWinner(ip, nodes);
        expect(nodes).toContain(winner);
        expect(electWinner(ip, shuffled)).toBe(winner);
        expect(electWinner(ip, [...nodes, ...nodes.slice(0, 3)])).toBe(winner);
        },
      ),
    );
  });

  it('moves only the addresses the leaving candidate won, and a joining one takes only what it wins', () => {
    const ips = addresses(600);
    fc.assert(
      fc.property(nodeSet(2, 10), fc.nat(), (nodes, pick) => {
        const leaving = nodes[pick % nodes.length]!;
        const rest = nodes.filter((n) => n !== leaving);
        for (const ip of ips) {
          const before = electWinner(ip, nodes);
          const after = electWinner(ip, rest);
          if (before === leaving) expect(after).not.toBe(leaving);
          else expect(after).toBe(before);
          // Joining is leaving in reverse: from `rest`, `leaving` takes exactly what it wins.
          expect(electWinner(ip, [...rest, leaving]) === leaving).toBe(before === leaving);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('spreads addresses evenly over the candidates', () => {
    const ips = addresses(4000);
    fc.assert(
      fc.property(nodeSet(2, 8), (nodes) => {
        const counts = new Map<string, number>(nodes.map((n) => [n, 0]));
        for (const ip of ips) {
          const w = electWinner(ip, nodes)!;
          counts.set(w, counts.get(w)! + 1);
        }
        // Each node's share is binomial(4000, 1/k): its standard deviation is at most 32 addresses
        // (k = 2), so ±35% of the fair share (≥ 175 addresses) is more than 5 standard deviations:
        // a failure means bias, not bad luck.
        const fair = ips.length / nodes.length;
        for (const [, c] of counts) {
          expect(c).toBeGreaterThan(fair * 0.65);
          expect(c).toBeLessThan(fair * 1.35);
        }
      }),
      { numRuns: 25 },
    );
  });
});
