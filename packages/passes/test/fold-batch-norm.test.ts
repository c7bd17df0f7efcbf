import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, type Value } from '@octet/ir';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../src/index.ts';

const example = fileURLToPath(new URL('../../../examples/conv_bn_relu.qir', import.meta.url));

describe('fold-batch-norm', () => {
  it('scales OHWI filters per output channel in double and rounds once to float32', () => {
    const g = parse(readFileSync(example, 'utf8'));
    const bn = g.ops.find((op) => op.kind === 'batch_norm')!;
    const conv = bn.inputs[0].producer!;
    const data = (v: Value) => Array.from(v.data as Float32Array);
    const [w, b] = conv.inputs.slice(1).map(data);
    const [gamma, beta, mean, variance] = bn.inputs.slice(1).map(data);
    const eps = (bn.attrs as { epsilon: number }).epsilon;
    const [o, kh, kw, i] = conv.inputs[1].type.shape;

    runPipeline(g, ['fold-batch-norm']);
    const folded = g.ops.find((op) => op.kind === 'conv_2d')!;
    expect(g.ops.map((op) => op.kind)).toEqual(['conv_2d', 'identity', 'relu']);
    const w2 = folded.inputs[1].data as Float32Array;
    const b2 = folded.inputs[2].data as Float32Array;
    const per = kh * kw * i;
    for (let c = 0; c < o; c++) {
      const s = gamma[c] / Math.sqrt(variance[c] + eps);
      for (let k = 0; k < per; k++) expect(w2[c * per + k]).toBe(Math.fround(w[c * per + k] * s));
      expect(b2[c]).toBe(Math.fround((b[c] - mean[c]) * s + beta[c]));
    }
    // The inputs' constants are new values: the original weights are untouched (constant data is shared by clones).
    expect(Array.from(conv.inputs[1].data as Float32Array)).toEqual(w);
  });
});
