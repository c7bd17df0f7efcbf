import { renameSync, writeFileSync } from 'node:fs';
import { fl, roundHalfEven } from '@octet/interpreter';

/** Writes a file whole or not at all: a temporary file in the same folder, then rename (atomic on one file system). */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export type QuantizedDType = 'int8' | 'uint8';

const RANGE: Record<QuantizedDType, readonly [number, number]> = { int8: [-128, 127], uint8: [0, 255] };

/**
 * Float → int8/uint8 as TFLite's QUANTIZE computes it on LiteRT's default path (XNNPACK):
 * q = even(fl(x · fl(1/s))) + zp, saturated (ARITHMETIC.md, QUANTIZE).
 */
export function quantizeInto(out: Int8Array | Uint8Array, x: ArrayLike<number>, scale: number, zeroPoint: number, dtype: QuantizedDType): void {
  const [lo, hi] = RANGE[dtype];
  const inv = fl(1 / fl(scale));
  for (let i = 0; i < x.length; i++) {
    const q = roundHalfEven(fl(fl(x[i]) * inv)) + zeroPoint;
    out[i] = q < lo ? lo : q > hi ? hi : q;
  }
}

export function quantize(x: ArrayLike<number>, scale: number, zeroPoint: number, dtype: QuantizedDType): Int8Array | Uint8Array {
  const out = dtype === 'int8' ? new Int8Array(x.length) : new Uint8Array(x.length);
  quantizeInto(out, x, scale, zeroPoint, dtype);
  return out;
}

/** Index of the largest element (the first one on ties, as NumPy's argmax). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
