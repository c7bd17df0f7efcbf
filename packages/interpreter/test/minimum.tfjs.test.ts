import * as tf from '@tensorflow/tfjs';
import { constant, Graph } from '@octet/ir';
import { describe, expect, it } from 'vitest';
import { interpret } from '../src/index.ts';

// minimum (added for Keras ReLU(max_value)) against tf.minimum, with broadcasting on either side.
function rand(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 32 * 4 - 2;
  });
}

describe('minimum kernel (seed 99)', () => {
  const cases: [number[], number[], boolean][] = [
    [[2, 3, 4], [2, 3, 4], false],
    [[2, 3, 4], [4], true],
    [[1, 4], [3, 1], false],
    [[], [2, 5], true],
  ];
  it.each(cases.map((c, k) => [JSON.stringify(c), c, k] as const))('%s', async (_, [sa, sb, bConst], k) => {
    await tf.setBackend('cpu');
    const xa = rand(sa.reduce((p, d) => p * d, 1), 99 + k);
    const xb = rand(sb.reduce((p, d) => p * d, 1), 199 + k);
    const g = new Graph('m');
    const a = g.addInput('a', { dtype: 'float32', shape: sa });
    const b = bConst ? constant({ dtype: 'float32', shape: sb }, xb) : g.addInput('b', { dtype: 'float32', shape: sb });
    g.outputs = [g.add('minimum', [a, b], {})];
    const [got] = interpret(g, bConst ? [xa] : [xa, xb]);
    const want = tf.minimum(tf.tensor(xa, sa), tf.tensor(xb, sb));
    expect(g.outputs[0].type.shape).toEqual(want.shape);
    expect(Array.from(got as Float32Array)).toEqual(Array.from(want.dataSync()));
  });
});
