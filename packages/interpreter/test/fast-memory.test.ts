/**
 * Each interpreter owns the WebAssembly instances (and memories) of its fast kernels: a library that
 * creates many interpreters (tests, calibration, eval) must not keep their memory. 200 interpreters of
 * each family, each placing about 1 MiB of weights in its wasm memory, are created, run and dropped;
 * after a garbage collection the process's external memory (where V8 counts wasm memories) must be
 * back near where it started. One module instance shared by all (the bench prototype) grew by the
 * sum: 400 MiB here.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { constant, Graph } from '@octet/ir';
import { Interpreter } from '../src/index.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Two full collections: a wasm memory goes in the second, after its instance's finalization. */
const collect = () => {
  gc();
  gc();
};

const K = 4096;

/** fully_connected float32 [1, K] × [64, K]: 1 MiB of weights (transposed into the instance). */
function floatModel(): Graph {
  const g = new Graph('f');
  const x = g.addInput('x', { dtype: 'float32', shape: [1, K] });
  const w = constant({ dtype: 'float32', shape: [64, K] }, Float32Array.from({ length: 64 * K }, (_, i) => ((i % 7) - 3) / 8));
  g.outputs.push(g.add('fully_connected', [x, w], {}));
  return g;
}

/** fully_connected int8 [1, K] × [128, K] with a bias: 1 MiB of weights (widened to int16 in the instance). */
function int8Model(): Graph {
  const g = new Graph('q');
  const x = g.addInput('x', { dtype: 'int8', shape: [1, K], quant: { scale: [0.02], zeroPoint: [3] } });
  const w = constant({ dtype: 'int8', shape: [128, K], quant: { scale: [0.01], zeroPoint: [0] } }, Int8Array.from({ length: 128 * K }, (_, i) => (i % 255) - 127));
  const b = constant({ dtype: 'int32', shape: [128], quant: { scale: [0.0002], zeroPoint: [0] } }, new Int32Array(128));
  g.outputs.push(g.add('fully_connected', [x, w, b], {}, { types: [{ dtype: 'int8', shape: [1, 128], quant: { scale: [0.5], zeroPoint: [-1] } }] }));
  return g;
}

const MiB = 2 ** 20;

describe('fast kernels and memory', () => {
  it('release each interpreter\'s wasm memory with it (200 interpreters of each family)', () => {
    const models = [
      { graph: floatModel(), input: Float32Array.from({ length: K }, (_, i) => (i % 5) / 4) },
      { graph: int8Model(), input: Int8Array.from({ length: K }, (_, i) => (i % 256) - 128) },
    ];
    const first = models.map((m) => new Interpreter(m.graph).run([m.input])[0]);
    const reference = models.map((m) => new Interpreter(m.graph, { kernels: 'reference' }).run([m.input])[0]);
    expect(first).toEqual(reference);
    collect();
    const before = process.memoryUsage().external;
    for (let i = 0; i < 200; i++) {
      for (const [k, m] of models.entries()) {
        const y = new Interpreter(m.graph).run([m.input])[0];
        if (y[0] !== first[k][0]) throw new Error(`interpreter ${i} computed something else`);
      }
    }
    collect();
    const grown = (process.memoryUsage().external - before) / MiB;
    // 400 MiB if every instance stayed; a few MiB of noise otherwise
    expect(grown).toBeLessThan(32);
  });
});
