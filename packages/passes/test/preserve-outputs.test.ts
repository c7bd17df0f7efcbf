import fc from 'fast-check';
import { print, type Graph } from '@octet/ir';
import { interpret, Interpreter } from '@octet/interpreter';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../src/index.ts';
import { buildGraph, graphSpec, type GraphSpec } from './random-graphs.ts';

// Fixed seed and run count: failures replay exactly; fast-check prints the seed and the shrunk spec.
const SEED = 20261125;
const RUNS = 200;
// DESIGN.md §5's 1e-5 (FLOAT_RELATIVE_TOLERANCE in @octet/testing, not imported: testing depends on passes).
const TOLERANCE = 1e-5;

/**
 * The first output element that differs by more than TOLERANCE × scale, described; or undefined.
 * `scale` is the largest magnitude an op of the original graph computes (max|output| when, as usual, the
 * output is the largest value; larger when an output is a small sum of large terms: the rewritten
 * graph rounds those terms differently, and their rounding is what a near-zero sum inherits).
 */
function compare(reference: Float32Array[], actual: Float32Array[], scale: number): string | undefined {
  const bound = TOLERANCE * scale;
  for (let o = 0; o < reference.length; o++) {
    const ref = reference[o];
    const got = actual[o];
    if (got.length !== ref.length) return `output ${o} has ${got.length} elements, expected ${ref.length}`;
    for (let i = 0; i < ref.length; i++) {
      if (!(Math.abs(got[i] - ref[i]) <= bound)) return `output ${o}[${i}] = ${got[i]}, expected ${ref[i]} ± ${bound} (scale ${scale})`;
    }
  }
  return undefined;
}

// Canonicalization never computes a weighted op twice (fusing into a producer that keeps another reader would).
const WEIGHTED = new Set(['conv_2d', 'depthwise_conv_2d', 'fully_connected']);
const weighted = (g: Graph) => g.ops.filter((op) => WEIGHTED.has(op.kind)).length;
const noDuplicates = (before: Graph, after: Graph) =>
  weighted(after) > weighted(before) ? `${weighted(after)} weighted ops after, ${weighted(before)} before` : undefined;

/** Runs `passes` on a copy of the spec's graph; checks outputs and `post` (a structural postcondition). */
function preserves(passes: string[], fired: Map<string, number>, post: (g: Graph) => string | undefined) {
  return (spec: GraphSpec) => {
    const { graph, input } = buildGraph(spec);
    let scale = 0;
    const reference = new Interpreter(graph).run([input], {
      observe: (_v, data, op) => {
        if (op) for (const x of data as Float32Array) scale = Math.max(scale, Math.abs(x));
      },
    }) as Float32Array[];
    const rewritten = runPipeline(graph.clone(), passes, {
      verifyEach: true,
      trace: (e) => {
        const m = /^[a-z-]+: (\w+) rewrote/.exec(e);
        if (m) fired.set(m[1], (fired.get(m[1]) ?? 0) + 1);
      },
    });
    const problem = compare(reference, interpret(rewritten, [input]) as Float32Array[], scale) ?? noDuplicates(graph, rewritten) ?? post(rewritten);
    if (problem) throw new Error(`${problem}\nbefore:\n${print(graph)}\nafter ${passes.join(',')}:\n${print(rewritten)}`);
  };
}

const none = (what: string, found: boolean) => (found ? what : undefined);

// remove-identity keeps an identity only where one tensor would need two names (input or output
// returned again as another output).
const removableIdentity = (g: Graph) =>
  g.ops.some((op) => op.kind === 'identity' && !(g.outputs.includes(op.outputs[0]) && (g.inputs.includes(op.inputs[0]) || g.outputs.includes(op.inputs[0]))));

describe(`passes keep interpreter outputs within ${TOLERANCE} × max|value| (seed ${SEED}, ${RUNS} runs each)`, () => {
  it('remove-identity', () => {
    const fired = new Map<string, number>();
    fc.assert(fc.property(graphSpec, preserves(['remove-identity'], fired, (g) => none('a removable identity is left', removableIdentity(g)))), { seed: SEED, numRuns: RUNS });
    expect(fired.get('forwardIdentity')).toBeGreaterThan(RUNS / 4);
  });

  it('fold-batch-norm', () => {
    const fired = new Map<string, number>();
    fc.assert(fc.property(graphSpec, preserves(['fold-batch-norm'], fired, (g) => none('a batch_norm is left', g.ops.some((op) => op.kind === 'batch_norm')))), { seed: SEED, numRuns: RUNS });
    // Both rewrites are exercised: into the producer, and the mul + add fallback.
    expect(fired.get('foldIntoProducer')).toBeGreaterThan(RUNS / 4);
    expect(fired.get('toMulAdd')).toBeGreaterThan(RUNS / 4);
  });

  it('fuse-activation', () => {
    const fired = new Map<string, number>();
    const fusable = (g: Graph) =>
      g.ops.some((op) => {
        const p = op.inputs[0]?.producer;
        return (op.kind === 'relu' || op.kind === 'relu6') && p !== undefined && (p.attrs as { fused_activation?: string }).fused_activation === 'none' && g.useCount(op.inputs[0]) === 1;
      });
    fc.assert(fc.property(graphSpec, preserves(['fuse-activation'], fired, (g) => none('a fusable activation is left', fusable(g)))), { seed: SEED, numRuns: RUNS });
    expect(fired.get('fuseIntoProducer')).toBeGreaterThan(RUNS / 8);
  });

  it('fold-constants', () => {
    const fired = new Map<string, number>();
    const foldable = (g: Graph) => g.ops.some((op) => op.inputs.every((v) => v.data !== undefined));
    fc.assert(fc.property(graphSpec, preserves(['fold-constants'], fired, (g) => none('an all-constant op is left', foldable(g)))), { seed: SEED, numRuns: RUNS });
    expect(fired.get('evaluateConstantOp')).toBeGreaterThan(RUNS / 2);
  });

  it('the whole canonicalization pipeline', () => {
    const fired = new Map<string, number>();
    const passes = ['remove-identity', 'fold-batch-norm', 'fuse-activation', 'fold-constants'];
    const irOnly = (g: Graph) => removableIdentity(g) || g.ops.some((op) => op.kind === 'batch_norm');
    fc.assert(fc.property(graphSpec, preserves(passes, fired, (g) => none('an IR-only op is left', irOnly(g)))), { seed: SEED, numRuns: RUNS });
    expect(fired.size).toBe(5);
  });
});
