import * as tf from '@tensorflow/tfjs';
import { constant, Graph, type Activation } from '@octet/ir';
import { describe, expect, it } from 'vitest';
import { interpret } from '../src/index.ts';

// div (tfjs RealDiv/Div; TFLite DIV, float only) against tf.div, with broadcasting on either side
// and a fused activation applied after the quotient.
function rand(n: number, seed: number, lo: number, hi: number): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return lo + (a / 2 ** 32) * (hi - lo);
  });
}

const CLAMP: Record<Activation, (t: tf.Tensor) => tf.Tensor> = {
  none: (t) => t,
  relu: (t) => tf.relu(t),
  relu6: (t) => tf.relu6(t),
  relu_n1_to_1: (t) => tf.clipByValue(t, -1, 1),
};

describe('div kernel (seed 77)', () => {
  const cases: [number[], number[], boolean, Activation][] = [
    [[2, 3, 4], [2, 3, 4], false, 'none'],
    [[2, 3, 4], [4], true, 'relu'],
    [[1, 4], [3, 1], false, 'relu6'],
    [[], [2, 5], true, 'relu_n1_to_1'],
  ];
  it.each(cases.map((c, k) => [JSON.stringify(c), c, k] as const))('%s', async (_, [sa, sb, bConst, act], k) => {
    await tf.setBackend('cpu');
    const xa = rand(sa.reduce((p, d) => p * d, 1), 77 + k, -4, 4);
    // Divisors in ±[0.25, 2]: no division by (almost) zero, both signs.
    const xb = rand(sb.reduce((p, d) => p * d, 1), 177 + k, 0.25, 2).map((v, i) => (i % 2 ? -v : v));
    const g = new Graph('d');
    const a = g.addInput('a', { dtype: 'float32', shape: sa });
    const b = bConst ? constant({ dtype: 'float32', shape: sb }, xb) : g.addInput('b', { dtype: 'float32', shape: sb });
    g.outputs = [g.add('div', [a, b], { fused_activation: act })];
    const [got] = interpret(g, bConst ? [xa] : [xa, xb]);
    const want = CLAMP[act](tf.div(tf.tensor(xa, sa), tf.tensor(xb, sb)));
    expect(g.outputs[0].type.shape).toEqual(want.shape);
    expect(Array.from(got as Float32Array)).toEqual(Array.from(want.dataSync()));
  });

  it('gives ±Infinity and NaN for a zero divisor, as TFLite does', () => {
    const g = new Graph('d');
    const a = g.addInput('a', { dtype: 'float32', shape: [3] });
    g.outputs = [g.add('div', [a, constant({ dtype: 'float32', shape: [1] }, new Float32Array([0]))], {})];
    const [got] = interpret(g, [new Float32Array([1, -1, 0])]);
    expect(Array.from(got as Float32Array)).toEqual([Infinity, -Infinity, NaN]);
  });
});
