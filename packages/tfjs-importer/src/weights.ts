import { halfToFloat } from '@octet/ir';
import { fail } from './errors.ts';

/** One entry of a tfjs weights manifest (`weightsManifest[i].weights[j]`). */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  /** Affine uint8/uint16 (`value = q·scale + min`) or float16 storage of a float32 weight. */
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
  group?: string;
}

export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

/** A decoded weight: float32 or int32, row-major, in tfjs's layout. */
export interface Tensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Bytes a weight occupies in its group's concatenated shards. */
export function storedBytes(spec: WeightSpec): number {
  const storage = spec.quantization?.dtype ?? spec.dtype;
  const per = BYTES[storage];
  if (per === undefined) {
    return fail(`weight '${spec.name}' has dtype ${storage}, which is not supported: use float32, int32, uint8/uint16 (affine) or float16`);
  }
  return numel(spec.shape) * per;
}

/**
 * Decodes one weight from `bytes` (little-endian, as tfjs writes them).
 *  - float32 / int32: raw;
 *  - quantization uint8/uint16: value = q·scale + min (computed as tfjs does: in double, stored as float32);
 *  - quantization float16: IEEE half → float32 (exact).
 */
export function decodeWeight(spec: WeightSpec, bytes: Uint8Array): Tensor {
  const n = numel(spec.shape);
  const need = storedBytes(spec);
  if (bytes.length !== need) fail(`weight '${spec.name}' needs ${need} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = spec.quantization;
  const shape = [...spec.shape];
  if (spec.dtype !== 'float32' && spec.dtype !== 'int32') {
    return fail(`weight '${spec.name}' has dtype ${spec.dtype}, which is not supported: use float32 or int32`);
  }
  if (!q) {
    if (spec.dtype === 'int32') {
      const data = new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getInt32(4 * i, true);
      return { dtype: 'int32', shape, data };
    }
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i, true);
    return { dtype: 'float32', shape, data };
  }
  if (q.dtype === 'float16') {
    if (spec.dtype !== 'float32') fail(`weight '${spec.name}': float16 storage needs dtype float32, got ${spec.dtype}`);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = halfToFloat(view.getUint16(2 * i, true));
    return { dtype: 'float32', shape, data };
  }
  if (q.dtype === 'uint8' || q.dtype === 'uint16') {
    if (typeof q.scale !== 'number' || typeof q.min !== 'number') {
      fail(`weight '${spec.name}': ${q.dtype} quantization needs numeric scale and min, got ${JSON.stringify(q)}`);
    }
    const scale = q.scale!;
    const min = q.min!;
    const get = q.dtype === 'uint8' ? (i: number) => bytes[i] : (i: number) => view.getUint16(2 * i, true);
    if (spec.dtype === 'int32') {
      const data = new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = Math.round(get(i) * scale + min);
      return { dtype: 'int32', shape, data };
    }
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = get(i) * scale + min;
    return { dtype: 'float32', shape, data };
  }
  return fail(`weight '${spec.name}' has quantization dtype ${q.dtype}, which is not supported: use uint8, uint16 or float16`);
}

/**
 * Decodes every weight of a manifest. `groups[i]` holds the bytes of group i's shards, one array per
 * path; `file(i, j)` names shard j of group i in errors. A short group names the file that falls short.
 */
export function decodeManifest(
  manifest: readonly WeightsManifestGroup[],
  shards: readonly (readonly Uint8Array[])[],
  file: (group: number, shard: number) => string = (g, s) => manifest[g].paths[s],
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  manifest.forEach((group, g) => {
    const parts = shards[g];
    const total = parts.reduce((a, p) => a + p.length, 0);
    const need = group.weights.reduce((a, w) => a + storedBytes(w), 0);
    if (total < need) {
      fail(
        `weight shard '${file(g, parts.length - 1)}' is short (${parts[parts.length - 1]?.length ?? 0} bytes): weights group ${g + 1} [${group.paths.join(', ')}] needs ${need} bytes, its shards hold ${total}: re-download or re-convert the model`,
      );
    }
    const all = concat(parts, total);
    let offset = 0;
    for (const w of group.weights) {
      const nb = storedBytes(w);
      out.set(w.name, decodeWeight(w, all.subarray(offset, offset + nb)));
      offset += nb;
    }
  });
  return out;
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const all = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return all;
}
