import { numElements, stridesOf, type Op } from '@octet/ir';
import { nearestSource } from './float/layout.ts';
import type { KernelRun } from './kernel.ts';
import { forEachOffset } from './nd.ts';

/**
 * Pure data movement, the same for every element type: the float and int8 kernels check their
 * dtypes, then run these (values are copied, never converted).
 */
type Elements = { [i: number]: number };

/** y[j_0, …, j_{r−1}] = x[i] with i_{perm[k]} = j_k. */
export function transposeRun(op: Op<'transpose'>): KernelRun {
  const inStrides = stridesOf(op.inputs[0].type.shape);
  const outShape = op.outputs[0].type.shape;
  const readStrides = op.attrs.perm.map((p) => inStrides[p]);
  const outStrides = stridesOf(outShape);
  return (ins, outs) => {
    const x = ins[0] as Elements;
    const y = outs[0] as Elements;
    forEachOffset(outShape, readStrides, outStrides, (i, o) => {
      y[o] = x[i];
    });
  };
}

/** y[b, oy, ox, c] = x[b, rows[oy], cols[ox], c], source indices as TFLite computes them. */
export function resizeNearestRun(op: Op<'resize_nearest_neighbor'>): KernelRun {
  const [n, inH, inW, c] = op.inputs[0].type.shape;
  const [outH, outW] = op.attrs.size;
  const { align_corners: ac, half_pixel_centers: hp } = op.attrs;
  const rows = Int32Array.from({ length: outH }, (_, j) => nearestSource(j, inH, outH, ac, hp));
  const cols = Int32Array.from({ length: outW }, (_, j) => nearestSource(j, inW, outW, ac, hp));
  return (ins, outs) => {
    const x = ins[0] as Elements;
    const y = outs[0] as Elements;
    let o = 0;
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const base = ((b * inH + rows[oy]) * inW + cols[ox]) * c;
          for (let ch = 0; ch < c; ch++) y[o++] = x[base + ch];
        }
      }
    }
  };
}

/**
 * y[i + before] = x[i] per dimension, `fill` elsewhere (0 for float, the zero point for int8), as
 * block copies: y is filled once, then each run of x that stays contiguous in y is copied with one
 * `set`. A run spans dims k..r−1 when no dim after k is padded (dim k itself may be: its elements
 * stay consecutive in y), e.g. a whole image row when only H and W are padded.
 */
export function padRun(op: Op<'pad'>, fill: number): KernelRun {
  const shape = op.inputs[0].type.shape;
  const rank = shape.length;
  const outStrides = stridesOf(op.outputs[0].type.shape);
  const p = op.attrs.paddings;
  let k = Math.max(rank - 1, 0);
  while (k > 0 && p[2 * k] === 0 && p[2 * k + 1] === 0) k--;
  const run = numElements(shape.slice(k));
  const runs = run === 0 ? 0 : numElements(shape) / run;
  // where each run starts in y: origin + Σ_{d < k} index_d · outStrides[d]
  const origin = shape.reduce((o, _, d) => o + p[2 * d] * outStrides[d], 0);
  const starts = new Int32Array(runs);
  const index = new Array<number>(k).fill(0);
  for (let r = 0; r < runs; r++) {
    starts[r] = origin + index.reduce((o, i, d) => o + i * outStrides[d], 0);
    for (let d = k - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return (ins, outs) => {
    const x = ins[0] as Int8Array; // any element type: subarray and set copy elements alike
    const y = outs[0] as Int8Array;
    y.fill(fill);
    for (let r = 0; r < runs; r++) y.set(x.subarray(r * run, (r + 1) * run), starts[r]);
  };
}
