// Rendezvous (highest random weight) hashing: every agent ranks the candidates for an address by
// SHA-256(`node#address`) and the highest digest wins. All agents agree without talking, and when a
// candidate leaves only the addresses it won move (every other address keeps its highest-ranked
// candidate); when one joins, it takes only the addresses where it ranks first.
//
// The hash input is part of the protocol between agents: agents of different versions run side by
// side during a rolling upgrade and must still agree, so `node#address` with the address in
// canonical text (dotted quad, RFC 5952) and the full digest compared as unsigned big-endian bytes
// must not change.
import { hash } from 'node:crypto';

/** The election weight of `node` for `ip`: the SHA-256 digest of `node#ip`. */
export function electionWeight(node: string, ip: string): Buffer {
  return hash('sha256', `${node}#${ip}`, 'buffer');
}

/**
 * The winner among `candidates` for `ip` (canonical text; `decide` canonicalises), or undefined when
 * there is no candidate. Independent of the order of `candidates`; duplicates count once. Equal
 * digests (only possible for equal names) fall to the smaller name, so the result is always defined.
 */
export function electWinner(ip: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight: Buffer | undefined;
  for (const node of candidates) {
    const w = electionWeight(node, ip);
    const cmp = bestWeight === undefined ? 1 : Buffer.compare(w, bestWeight);
    if (cmp > 0 || (cmp === 0 && best !== undefined && node < best)) {
      best = node;
      bestWeight = w;
    }
  }
  return best;
}
