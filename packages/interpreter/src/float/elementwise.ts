import { numElements, type Op } from '@octet/ir';
import type { Kernel, KernelRun } from '../kernel.ts';
import { broadcastStrides, forEachOffset } from '../nd.ts';
import { activationRange, clampTo } from './activation.ts';
import { floatOnly } from './float-only.ts';

type BinaryKind = 'add' | 'sub' | 'mul' | 'div';

/** y = act(a ∘ b) with NumPy broadcasting of a and b to y's shape. */
function binary(op: Op<BinaryKind>, f: (a: number, b: number) => number): KernelRun {
  floatOnly(op);
  const shape = op.outputs[0].type.shape;
  const sa = broadcastStrides(op.inputs[0].type.shape, shape);
  const sb = broadcastStrides(op.inputs[1].type.shape, shape);
  const sameShapes = numElements(op.inputs[0].type.shape) === numElements(shape) && numElements(op.inputs[1].type.shape) === numElements(shape);
  const [lo, hi] = activationRange(op.attrs.fused_activation);
  return (ins, outs) => {
    const [a, b, y] = [ins[0], ins[1], outs[0]] as Float32Array[];
    if (sameShapes) {
      for (let i = 0; i < y.length; i++) y[i] = clampTo(f(a[i], b[i]), lo, hi);
    } else {
      forEachOffset(shape, sa, sb, (ia, ib, i) => {
        y[i] = clampTo(f(a[ia], b[ib]), lo, hi);
      });
    }
  };
}

export const add: Kernel<'add'> = (op) => binary(op, (a, b) => a + b);
export const sub: Kernel<'sub'> = (op) => binary(op, (a, b) => a - b);
export const mul: Kernel<'mul'> = (op) => binary(op, (a, b) => a * b);
// Division in double rounded once to float32 is the correctly rounded float32 quotient (x/0 gives ±Infinity or NaN, as TFLite's).
export const div: Kernel<'div'> = (op) => binary(op, (a, b) => a / b);

/** y = min(a, b) with NumPy broadcasting (no fused activation). */
export const minimum: Kernel<'minimum'> = (op) => {
  floatOnly(op);
  const shape = op.outputs[0].type.shape;
  const sa = broadcastStrides(op.inputs[0].type.shape, shape);
  const sb = broadcastStrides(op.inputs[1].type.shape, shape);
  return (ins, outs) => {
    const [a, b, y] = [ins[0], ins[1], outs[0]] as Float32Array[];
    forEachOffset(shape, sa, sb, (ia, ib, i) => {
      y[i] = Math.min(a[ia], b[ib]);
    });
  };
};

type UnaryKind = 'relu' | 'relu6' | 'logistic' | 'tanh' | 'identity';

function unary(op: Op<UnaryKind>, f: (x: number) => number): KernelRun {
  floatOnly(op);
  return (ins, outs) => {
    const x = ins[0] as Float32Array;
    const y = outs[0] as Float32Array;
    for (let i = 0; i < x.length; i++) y[i] = f(x[i]);
  };
}

export const relu: Kernel<'relu'> = (op) => unary(op, (x) => clampTo(x, 0, Infinity));
export const relu6: Kernel<'relu6'> = (op) => unary(op, (x) => clampTo(x, 0, 6));
export const logistic: Kernel<'logistic'> = (op) => unary(op, (x) => 1 / (1 + Math.exp(-x)));
export const tanh: Kernel<'tanh'> = (op) => unary(op, Math.tanh);
export const identity: Kernel<'identity'> = (op) => unary(op, (x) => x);

/** y = (x − μ[c]) · γ[c]/√(σ²[c] + ε) + β[c], c the last axis (the scale computed once per channel). */
export const batchNorm: Kernel<'batch_norm'> = (op) => {
  floatOnly(op);
  const shape = op.inputs[0].type.shape;
  const c = shape[shape.length - 1];
  const scale = new Float64Array(c);
  return (ins, outs) => {
    const [x, gamma, beta, mean, variance, y] = [...ins, outs[0]] as Float32Array[];
    for (let k = 0; k < c; k++) scale[k] = gamma[k] / Math.sqrt(variance[k] + op.attrs.epsilon);
    for (let i = 0; i < x.length; i++) {
      const k = i % c;
      y[i] = (x[i] - mean[k]) * scale[k] + beta[k];
    }
  };
};
