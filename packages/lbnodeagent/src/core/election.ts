// Rendezvous (highest random weight) hashing: every agent ranks the candidates for an address by
// hash(node#address) and the highest wins. All agents agree without talking, and when a candidate
// leaves only the addresses it won move.
import { createHash } from 'node:crypto';

function weight(node: string, ip: string): bigint {
  return createHash('sha256').update(`${node}#${ip}`).digest().readBigUInt64BE(0);
}

export function electWinner(ip: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1n;
  for (const node of candidates) {
    const w = weight(node, ip);
    if (w > bestWeight || (w === bestWeight && best !== undefined && node < best)) {
      best = node;
      bestWeight = w;
    }
  }
  return best;
}
