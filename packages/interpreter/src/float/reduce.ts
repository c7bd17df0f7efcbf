import { normalizeAxis, numElements, stridesOf } from '@octet/ir';
import type { Kernel } from '../kernel.ts';
import { forEachOffset } from '../nd.ts';
import { floatOnly } from './float-only.ts';

/**
 * y[j] = (1/N) Σ x[i] over the inputs i that map to j (the reduced axes dropped from the index);
 * N = the product of the reduced dimensions. Sums are kept in double, then stored as float32.
 */
export const mean: Kernel<'mean'> = (op) => {
  floatOnly(op);
  const shape = op.inputs[0].type.shape;
  const reduced = new Set(op.attrs.axes.map((a) => normalizeAxis(a, shape.length)));
  // Strides into the output for each input dimension: 0 along reduced axes (keep_dims only
  // inserts dimensions of size 1, which does not change the row-major layout).
  const kept = shape.filter((_, i) => !reduced.has(i));
  const keptStrides = stridesOf(kept);
  let k = 0;
  const toOutput = shape.map((_, i) => (reduced.has(i) ? 0 : keptStrides[k++]));
  const ones = shape.map(() => 1);
  const count = numElements(shape) / numElements(kept);
  const sums = new Float64Array(numElements(kept));
  return (ins, outs) => {
    const x = ins[0] as Float32Array;
    const y = outs[0] as Float32Array;
    sums.fill(0);
    forEachOffset(shape, toOutput, ones, (j, _, i) => {
      sums[j] += x[i];
    });
    for (let j = 0; j < sums.length; j++) y[j] = sums[j] / count;
  };
};

/** y = exp(β·(x − max)) / Σ exp(β·(x − max)) along the last axis (max subtracted for range only). */
export const softmax: Kernel<'softmax'> = (op) => {
  floatOnly(op);
  const shape = op.inputs[0].type.shape;
  const depth = shape.length ? shape[shape.length - 1] : 1;
  const beta = op.attrs.beta;
  return (ins, outs) => {
    const x = ins[0] as Float32Array;
    const y = outs[0] as Float32Array;
    for (let base = 0; base < x.length; base += depth) {
      let max = -Infinity;
      for (let i = 0; i < depth; i++) max = Math.max(max, x[base + i]);
      let sum = 0;
      for (let i = 0; i < depth; i++) {
        const e = Math.exp(beta * (x[base + i] - max));
        y[base + i] = e;
        sum += e;
      }
      for (let i = 0; i < depth; i++) y[base + i] /= sum;
    }
  };
};
