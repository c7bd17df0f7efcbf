import { stridesOf, type Op } from '@octet/ir';
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
