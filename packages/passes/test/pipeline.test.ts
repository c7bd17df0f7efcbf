import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OctetError, parse, print, type Graph } from '@octet/ir';
import { describe, expect, it } from 'vitest';
import { definePass, parsePipeline, PASSES, PassVerificationError, runPasses, runPipeline } from '../src/index.ts';

const example = fileURLToPath(new URL('../../../examples/conv_bn_relu.qir', import.meta.url));
const load = () => parse(readFileSync(example, 'utf8'));
const kinds = (g: Graph) => g.ops.map((op) => op.kind);

// Test-only: moves the last op to the front, so that it reads a value defined after it.
const scrambleOrder = definePass({
  name: 'scramble-order',
  summary: 'test only: breaks the topological order',
  description: 'a; b  ==>  b; a',
  run(graph) {
    graph.ops.unshift(graph.ops.pop()!);
  },
});

describe('runPipeline', () => {
  it('runs the canonicalization passes of the example into one conv_2d with a fused relu', () => {
    const g = runPipeline(load(), ['remove-identity', 'fold-batch-norm', 'fuse-activation'], { verifyEach: true });
    expect(kinds(g)).toEqual(['conv_2d']);
    expect(g.ops[0].attrs).toMatchObject({ fused_activation: 'relu', padding: 'same' });
    expect(g.outputs[0].name).toBe('y');
  });

  it('rejects an unknown pass before running any, listing the known ones on one line', () => {
    const g = load();
    const before = print(g);
    let err: unknown;
    try {
      runPipeline(g, ['remove-identity', 'fold-batchnorm']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OctetError);
    expect((err as Error).message).toBe(`unknown pass 'fold-batchnorm': known passes are ${Object.keys(PASSES).join(', ')}`);
    expect((err as Error).message).toContain('remove-identity, fold-batch-norm, fuse-activation');
    expect((err as Error).message).not.toContain('\n');
    expect(print(g)).toBe(before);
  });

  it('does not take inherited object keys for pass names', () => {
    expect(() => runPipeline(load(), ['toString'])).toThrow(/unknown pass 'toString'/);
  });

  it('with verifyEach, names the pass that broke the graph and stops there', () => {
    const after: string[] = [];
    let err: unknown;
    try {
      runPasses(load(), [PASSES['remove-identity'], scrambleOrder, PASSES['fuse-activation']], {
        verifyEach: true,
        printIrAfterAll: (name) => after.push(name),
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PassVerificationError);
    expect((err as PassVerificationError).pass).toBe('scramble-order');
    expect((err as Error).message).toMatch(/^pass 'scramble-order' left an invalid graph: 'relu' op \(from 're_lu'\) reads a value defined later/);
    expect((err as Error).message).not.toContain('\n');
    expect(after).toEqual(['remove-identity', 'scramble-order']);
  });

  it('without verifyEach, the broken graph goes through unchecked', () => {
    const g = runPasses(load(), [scrambleOrder]);
    expect(kinds(g)[0]).toBe('relu');
  });

  it('with verifyEach, blames the input when it is already invalid', () => {
    const g = load();
    g.ops.reverse();
    expect(() => runPipeline(g, ['remove-identity'], { verifyEach: true })).toThrow(/^the input graph is invalid before any pass runs: /);
  });

  it('prints the IR after each pass, in order', () => {
    const printed: [string, string][] = [];
    runPipeline(load(), ['remove-identity', 'fold-batch-norm', 'fuse-activation'], { printIrAfterAll: (name, g) => printed.push([name, print(g)]) });
    expect(printed.map(([n]) => n)).toEqual(['remove-identity', 'fold-batch-norm', 'fuse-activation']);
    expect(printed[0][1]).not.toContain('= identity(');
    expect(printed[0][1]).toContain('= batch_norm(');
    expect(printed[1][1]).not.toContain('= batch_norm(');
    expect(printed[1][1]).toContain('= relu(');
    expect(printed[2][1]).not.toContain('= relu(');
  });

  it('traces which pattern fired on which op, and each pass', () => {
    const events: string[] = [];
    runPipeline(load(), ['remove-identity', 'fold-batch-norm', 'fuse-activation'], { trace: (e) => events.push(e) });
    const rewrites = events.filter((e) => !e.startsWith('pass '));
    expect(rewrites).toEqual([
      "remove-identity: forwardIdentity rewrote 'identity' op %drop (from 'dropout')",
      "fold-batch-norm: foldIntoProducer rewrote 'batch_norm' op %bn (from 'batch_normalization')",
      "fuse-activation: fuseIntoProducer rewrote 'relu' op %y (from 're_lu')",
    ]);
    expect(events.filter((e) => e.startsWith('pass ')).map((e) => /^pass (\S+): (\d+) -> (\d+) ops/.exec(e)?.slice(1))).toEqual([
      ['remove-identity', '4', '3'],
      ['fold-batch-norm', '3', '2'],
      ['fuse-activation', '2', '1'],
    ]);
  });
});

describe('parsePipeline', () => {
  it('splits a comma-separated list, allowing spaces', () => {
    expect(parsePipeline('remove-identity, fold-batch-norm,fuse-activation')).toEqual(['remove-identity', 'fold-batch-norm', 'fuse-activation']);
    expect(parsePipeline('')).toEqual([]);
  });

  it('rejects empty entries and unknown names', () => {
    expect(() => parsePipeline('remove-identity,,fuse-activation')).toThrow(/empty name at position 2/);
    expect(() => parsePipeline('remove-identity,nope')).toThrow(/unknown pass 'nope': known passes are remove-identity/);
  });
});

describe('definePass', () => {
  it('rejects a name that is not kebab-case', () => {
    expect(() => definePass({ name: 'foldBatchNorm', summary: '', description: '', run() {} })).toThrow(/not kebab-case/);
  });
});
