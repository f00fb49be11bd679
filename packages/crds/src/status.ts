/**
 * A BigInt count as the JSON integer written to ServiceGroup status. IPv6 pools easily exceed what a
 * JSON number holds exactly (a /64 has 2^64 addresses), so counts saturate at 2^53-1, which
 * `kubectl get` shows as 9007199254740991 rather than a rounded, wrong number.
 */
export function statusCount(n: bigint): number {
  if (n < 0n) throw new RangeError(`negative count ${n}`);
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}
