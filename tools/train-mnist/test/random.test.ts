import { describe, expect, it } from 'vitest';
import { mulberry32, permutation } from '../src/random.ts';

describe('seeded shuffle', () => {
  it('mulberry32 is reproducible and seed-dependent, in [0, 1)', () => {
    const a = Array.from({ length: 5 }, mulberry32(7));
    const b = Array.from({ length: 5 }, mulberry32(7));
    const c = Array.from({ length: 5 }, mulberry32(8));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const r = mulberry32(1);
    for (let i = 0; i < 1000; i++) {
      const v = r();
      expect(v >= 0 && v < 1).toBe(true);
    }
  });

  it('permutation holds each index once', () => {
    const p = permutation(1000, mulberry32(3));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...p]).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});
