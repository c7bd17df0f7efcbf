// Property: for random valid float graphs, emit → read → emit gives the same bytes, the read graph
// prints as the original (locations aside: TFLite has no place for them), and it computes the
// same outputs in the interpreter.
import fc from 'fast-check';
import { print, type Graph, type TypedArray } from '@octet/ir';
import { Interpreter } from '@octet/interpreter';
import { arbGraph, arbTensorData } from '@octet/testing';
import { describe, expect, it } from 'vitest';
import { emit, read } from '../src/index.ts';

const SEED = 424242;
const RUNS = 300;

const withoutLocs = (g: Graph): Graph => {
  const c = g.clone();
  for (const op of c.ops) delete op.loc;
  return c;
};

const arbCase = arbGraph({ maxOps: 6 }).chain((graph) =>
  fc.tuple(fc.constant(graph), fc.tuple(...graph.inputs.map((v) => arbTensorData('float32', v.type.shape.reduce((a, b) => a * b, 1), { min: -3, max: 3 })))),
);

describe(`random float graphs (fast-check seed ${SEED}, ${RUNS} runs)`, () => {
  it('emit → read → emit is byte-identical, and the read graph is the same graph', () => {
    fc.assert(
      fc.property(arbCase, ([graph, inputs]) => {
        const bytes = emit(graph);
        const back = read(bytes);
        const again = emit(back);
        expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
        expect(print(back, { elideConstantsAbove: Infinity })).toBe(print(withoutLocs(graph), { elideConstantsAbove: Infinity }));
        const want = new Interpreter(graph).run(inputs as TypedArray[]);
        const got = new Interpreter(back).run(inputs as TypedArray[]);
        expect(got.map((a) => Array.from(a as Float32Array))).toEqual(want.map((a) => Array.from(a as Float32Array)));
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });
});
