import { describe, expect, it } from 'vitest';
import { decodeManifest, decodeWeight, ImportError, storedBytes } from '../src/index.ts';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('weight decoding (hand-computed values)', () => {
  it('float32, little-endian', () => {
    // 1.5 = 0x3FC00000, −2 = 0xC0000000
    const t = decodeWeight({ name: 'w', shape: [2], dtype: 'float32' }, bytes(0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0));
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.data)).toEqual([1.5, -2]);
  });

  it('int32, little-endian', () => {
    const t = decodeWeight({ name: 'shape', shape: [2], dtype: 'int32' }, bytes(0xff, 0xff, 0xff, 0xff, 2, 1, 0, 0));
    expect(t.dtype).toBe('int32');
    expect(Array.from(t.data)).toEqual([-1, 258]);
  });

  it('uint8 affine: q·scale + min', () => {
    const t = decodeWeight({ name: 'w', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } }, bytes(0, 1, 255));
    expect(Array.from(t.data)).toEqual([-1, -0.5, 126.5]);
  });

  it('uint16 affine, little-endian q', () => {
    const t = decodeWeight({ name: 'w', shape: [3], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.25, min: 10 } }, bytes(0, 0, 1, 2, 0xff, 0xff));
    // q = 0, 0x0201 = 513, 65535
    expect(Array.from(t.data)).toEqual([10, 10 + 513 * 0.25, 10 + 65535 * 0.25]);
  });

  it('uint8 affine into int32 rounds', () => {
    const t = decodeWeight({ name: 'w', shape: [2], dtype: 'int32', quantization: { dtype: 'uint8', scale: 0.4, min: 0 } }, bytes(3, 4));
    expect(Array.from(t.data)).toEqual([1, 2]); // 1.2 → 1, 1.6 → 2
  });

  it('float16: normal, negative, inexact, subnormal, infinity', () => {
    const t = decodeWeight({ name: 'w', shape: [5], dtype: 'float32', quantization: { dtype: 'float16' } }, bytes(0x00, 0x3c, 0x00, 0xc0, 0x55, 0x35, 0x01, 0x00, 0x00, 0x7c));
    expect(Array.from(t.data)).toEqual([1, -2, Math.fround(0x155 / 1024 * 2 ** -2 + 2 ** -2), 2 ** -24, Infinity]);
  });

  it('storage sizes', () => {
    expect(storedBytes({ name: 'a', shape: [2, 3], dtype: 'float32' })).toBe(24);
    expect(storedBytes({ name: 'a', shape: [2, 3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 1, min: 0 } })).toBe(6);
    expect(storedBytes({ name: 'a', shape: [2, 3], dtype: 'float32', quantization: { dtype: 'uint16', scale: 1, min: 0 } })).toBe(12);
    expect(storedBytes({ name: 'a', shape: [2, 3], dtype: 'float32', quantization: { dtype: 'float16' } })).toBe(12);
    expect(storedBytes({ name: 'a', shape: [], dtype: 'int32' })).toBe(4);
  });

  it('a group spans its shards in order, a weight may straddle two shards', () => {
    const manifest = [
      {
        paths: ['s1', 's2'],
        weights: [
          { name: 'a', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 1, min: 0 } },
          { name: 'b', shape: [1], dtype: 'float32' }, // bytes 3..6: one in s1, three in s2
        ],
      },
    ];
    const w = decodeManifest(manifest, [[bytes(7, 8, 9, 0), bytes(0, 0xc0, 0x3f)]]);
    expect(Array.from(w.get('a')!.data)).toEqual([7, 8, 9]);
    expect(Array.from(w.get('b')!.data)).toEqual([1.5]);
  });

  it('a short shard names the file and the byte counts', () => {
    const manifest = [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'k', shape: [4], dtype: 'float32' }] }];
    expect(() => decodeManifest(manifest, [[new Uint8Array(10)]])).toThrow(ImportError);
    expect(() => decodeManifest(manifest, [[new Uint8Array(10)]])).toThrow(/group1-shard1of1\.bin' is short \(10 bytes\).*needs 16 bytes.*hold 10/);
  });

  it('unsupported dtypes and encodings are errors naming the weight', () => {
    expect(() => storedBytes({ name: 'names', shape: [1], dtype: 'string' })).toThrow(/'names' has dtype string/);
    expect(() => decodeWeight({ name: 'q', shape: [1], dtype: 'float32', quantization: { dtype: 'int8', scale: 1, min: 0 } }, bytes(1))).toThrow(/'q' has dtype int8/);
    expect(() => decodeWeight({ name: 'q', shape: [1], dtype: 'float32', quantization: { dtype: 'uint8' } }, bytes(1))).toThrow(/'q': uint8 quantization needs numeric scale and min/);
  });
});
