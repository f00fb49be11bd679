// ServiceGroup status counts: exact while a JSON number can hold them, saturated beyond (a /64 has
// 2^64 addresses; writing Number(2n ** 64n) would show a rounded, wrong count).
import { expect, it } from '@jest/globals';
import { statusCount } from '../src/index.js';

it('is exact up to 2^53-1 and saturates above it', () => {
  expect(statusCount(0n)).toBe(0);
  expect(statusCount(4n)).toBe(4);
  expect(statusCount(2n ** 53n - 1n)).toBe(Number.MAX_SAFE_INTEGER);
  expect(statusCount(2n ** 53n)).toBe(Number.MAX_SAFE_INTEGER);
  expect(statusCount(2n ** 64n)).toBe(Number.MAX_SAFE_INTEGER);
  expect(() => statusCount(-1n)).toThrow('negative count -1');
});
