import { normalizeAxis, stridesOf } from '@octet/ir';
import type { Kernel } from '../kernel.ts';
import { forEachOffset, product } from '../nd.ts';
import { roundHalfAway } from '../int8/arith.ts';
import { activationRange, clampTo } from './activation.ts';
import { floatOnly } from './float-only.ts';
import { padRun, resizeNearestRun, transposeRun } from '../movement.ts';

/** Row-major data is unchanged by a reshape. */
export const reshape: Kernel<'reshape'> = (op) => {
  floatOnly(op);
  return (ins, outs) => (outs[0] as Float32Array).set(ins[0] as Float32Array);
};

/** y[i + before] = x[i] per dimension, zeros elsewhere. */
export const pad: Kernel<'pad'> = (op) => {
  floatOnly(op);
  return padRun(op, 0);
};

export const transpose: Kernel<'transpose'> = (op) => {
  floatOnly(op);
  return transposeRun(op);
};

/** For each index of the dimensions before `axis`, the inputs' blocks one after another, then act(). */
export const concatenation: Kernel<'concatenation'> = (op) => {
  floatOnly(op);
  const outShape = op.outputs[0].type.shape;
  const axis = normalizeAxis(op.attrs.axis, outShape.length);
  const outer = product(outShape, 0, axis);
  const blocks = op.inputs.map((v) => product(v.type.shape, axis));
  const [lo, hi] = activationRange(op.attrs.fused_activation);
  return (ins, outs) => {
    const y = outs[0] as Float32Array;
    let o = 0;
    for (let r = 0; r < outer; r++) {
      for (let k = 0; k < ins.length; k++) {
        const x = ins[k] as Float32Array;
        const block = blocks[k];
        for (let i = r * block, end = i + block; i < end; i++) y[o++] = clampTo(x[i], lo, hi);
      }
    }
  };
};

/**
 * The source index of output index `j`, exactly as TFLite's reference GetNearestNeighbor computes
 * it, in float32: scale = in/out (or (in−1)/(out−1) with align_corners and out > 1);
 * src = (j + offset)·scale with offset 0.5 for half_pixel_centers; rounded half away from zero
 * with align_corners, floored otherwise; clamped to [0, in − 1].
 */
export function nearestSource(j: number, inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const fl = Math.fround;
  const scale = alignCorners && outSize > 1 ? fl((inSize - 1) / (outSize - 1)) : fl(inSize / outSize);
  const offset = halfPixelCenters ? 0.5 : 0;
  const src = fl(fl(j + offset) * scale);
  let i = Math.min(alignCorners ? roundHalfAway(src) : Math.floor(src), inSize - 1);
  if (halfPixelCenters) i = Math.max(0, i);
  return i;
}

export const resizeNearestNeighbor: Kernel<'resize_nearest_neighbor'> = (op) => {
  floatOnly(op);
  return resizeNearestRun(op);
};
