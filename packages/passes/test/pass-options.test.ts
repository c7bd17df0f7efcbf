// Pass options (`name{key=value ...}`), analyses shared along a pipeline, and the async pipeline.
import { bool, float, int, OctetError, oneOf, parse } from '@octet/ir';
import { describe, expect, it } from 'vitest';
import { definePass, parsePipeline, PassOptionError, resolvePasses, runPasses, runPassesAsync, runPipelineAsync, type Pass } from '../src/index.ts';

// Test-only passes: they record what they saw.
const seen: unknown[] = [];
const echo = definePass({
  name: 'echo-options',
  summary: 'test only: records its options',
  description: 'g  ==>  g',
  options: { mode: oneOf(['a', 'b'], 'a'), count: int(3), on: bool(false), ratio: float(0.5) },
  run(_graph, ctx) {
    seen.push({ ...ctx.options });
  },
});
const writer = definePass({
  name: 'write-analysis',
  summary: 'test only: stores statistics',
  description: 'g  ==>  g',
  run(_graph, ctx) {
    ctx.analyses!.statistics = { observer: 'test', samples: 7, values: new Map() };
  },
});
const reader = definePass({
  name: 'read-analysis',
  summary: 'test only: reads statistics',
  description: 'g  ==>  g',
  run(_graph, ctx) {
    seen.push(ctx.analyses?.statistics?.samples);
  },
});
const waiter = definePass({
  name: 'wait-async',
  summary: 'test only: waits when run asynchronously',
  description: 'g  ==>  g',
  run() {
    seen.push('sync');
  },
  async runAsync() {
    await new Promise((r) => setTimeout(r, 1));
    seen.push('async');
  },
});
const registry: Record<string, Pass> = { 'echo-options': echo, 'write-analysis': writer, 'read-analysis': reader, 'wait-async': waiter };
const g = () => parse('graph @g(%x: f32[2]) {\n  %y = relu(%x)\n  return %y\n}');

describe('pass options', () => {
  it('gives a pass its defaults when the pipeline names it without braces', () => {
    seen.length = 0;
    runPasses(g(), resolvePasses(['echo-options'], registry));
    expect(seen).toEqual([{ mode: 'a', count: 3, on: false, ratio: 0.5 }]);
  });

  it('parses name{key=value ...}: each kind from its text, the rest defaulted', () => {
    seen.length = 0;
    runPasses(g(), resolvePasses(['echo-options{mode=b count=12 on=true}', 'echo-options{ratio=0.25}'], registry));
    expect(seen).toEqual([
      { mode: 'b', count: 12, on: true, ratio: 0.5 },
      { mode: 'a', count: 3, on: false, ratio: 0.25 },
    ]);
  });

  it('rejects unknown options and bad values, naming the pass and what it takes', () => {
    expect(() => resolvePasses(['echo-options{nope=1}'], registry)).toThrow("pass 'echo-options' has no option 'nope': its options are mode, count, on, ratio");
    expect(() => resolvePasses(['echo-options{mode=c}'], registry)).toThrow(/pass 'echo-options' option 'mode': expected one of "a", "b", got "c"/);
    expect(() => resolvePasses(['echo-options{count=2.5}'], registry)).toThrow(/option 'count': expected an integer/);
    expect(() => resolvePasses(['echo-options{on=yes}'], registry)).toThrow(/option 'on': expected true or false/);
    expect(() => resolvePasses(['echo-options{ratio=}'], registry)).toThrow(/option 'ratio': expected a finite number/);
    expect(() => resolvePasses(['echo-options{count}'], registry)).toThrow(/option 'count' has no value: write key=value/);
    expect(() => resolvePasses(['write-analysis{x=1}'], registry)).toThrow("pass 'write-analysis' has no option 'x': it takes no options");
    for (const bad of ['echo-options{nope=1}', 'echo-options{mode=c}']) {
      try {
        resolvePasses([bad], registry);
      } catch (e) {
        expect(e).toBeInstanceOf(PassOptionError);
        expect(e).toBeInstanceOf(OctetError);
      }
    }
  });

  it('refuses options without a default or of list kind when the pass is declared', () => {
    expect(() => definePass({ name: 'p', summary: '', description: '', options: { n: int() }, run() {} })).toThrow("pass 'p' option 'n' has no default: every pass option needs one");
  });

  it('splits a pipeline at the commas outside braces', () => {
    expect(parsePipeline('quantize-weights{dense=per-tensor}, retype-io{input=uint8 output=int8},quantize-activations')).toEqual([
      'quantize-weights{dense=per-tensor}',
      'retype-io{input=uint8 output=int8}',
      'quantize-activations',
    ]);
    expect(() => parsePipeline('retype-io{input=int4}')).toThrow(/option 'input': expected one of "float32", "int8", "uint8", got "int4"/);
  });
});

describe('analyses', () => {
  it('are shared along one pipeline run: a later pass reads what an earlier one stored', () => {
    seen.length = 0;
    runPasses(g(), resolvePasses(['read-analysis', 'write-analysis', 'read-analysis'], registry));
    expect(seen).toEqual([undefined, 7]);
  });

  it("are the caller's object when given, so that results can be read out (and given in)", () => {
    const analyses = {};
    runPasses(g(), resolvePasses(['write-analysis'], registry), { analyses });
    expect(analyses).toMatchObject({ statistics: { samples: 7 } });
    seen.length = 0;
    runPasses(g(), resolvePasses(['read-analysis'], registry), { analyses });
    expect(seen).toEqual([7]);
  });
});

describe('runPassesAsync', () => {
  it('awaits runAsync where a pass has one and runs the others as usual, in order', async () => {
    seen.length = 0;
    await runPassesAsync(g(), resolvePasses(['write-analysis', 'wait-async', 'read-analysis'], registry));
    expect(seen).toEqual(['async', 7]);
    seen.length = 0;
    runPasses(g(), resolvePasses(['wait-async'], registry));
    expect(seen).toEqual(['sync']);
  });

  it('runs the registry passes by name, with verifyEach', async () => {
    const graph = await runPipelineAsync(parse('graph @g(%x: f32[2]) {\n  %i = identity(%x)\n  %y = relu(%i)\n  return %y\n}'), ['remove-identity'], { verifyEach: true });
    expect(graph.ops.map((o) => o.kind)).toEqual(['relu']);
  });
});
