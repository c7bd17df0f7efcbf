/**
 * Small random float graphs for the canonicalization passes: chains of conv_2d / depthwise_conv_2d
 * blocks, each optionally followed by an identity (Dropout), a batch_norm and a relu / relu6, then
 * optionally a fully_connected block; some blocks also add a sum of two constants (for
 * fold-constants) or expose their producer's result as a graph output (a second reader, which
 * blocks folding and fusing). The spec is plain data, so fast-check shrinks it; weights come from a
 * seeded generator.
 */
import fc from 'fast-check';
import { constant, Graph, windowOutputSize, type Activation, type Value } from '@octet/ir';
import { mulberry32 } from '@octet/testing';

interface Tail {
  fused: Activation;
  bias: boolean;
  identity: boolean;
  bn: boolean;
  act: 'none' | 'relu' | 'relu6';
  /** The producer's result is also a graph output. */
  tap: boolean;
  /** Adds add(c₁, c₂) to the block's result. */
  constAdd: boolean;
}

export interface ConvBlock extends Tail {
  kind: 'conv_2d' | 'depthwise_conv_2d';
  /** Output channels (conv_2d) or depth multiplier (depthwise_conv_2d). */
  channels: number;
  kh: number;
  kw: number;
  stride: number;
  dilation: number;
  padding: 'same' | 'valid';
}

export interface DenseBlock extends Tail {
  out: number;
}

export interface GraphSpec {
  h: number;
  w: number;
  c: number;
  blocks: ConvBlock[];
  dense: DenseBlock | null;
  /** Input amplitude: 10 drives values past relu6's clamp at 6. */
  gain: number;
  seed: number;
}

const tail = {
  // Mostly no fused activation (the foldable case); sometimes one (the mul + add fallback).
  fused: fc.constantFrom<Activation>('none', 'none', 'none', 'relu', 'relu6'),
  bias: fc.boolean(),
  identity: fc.boolean(),
  bn: fc.boolean(),
  act: fc.constantFrom('none', 'relu', 'relu6') as fc.Arbitrary<'none' | 'relu' | 'relu6'>,
  tap: fc.integer({ min: 0, max: 4 }).map((i) => i === 0),
  constAdd: fc.boolean(),
};

const convBlock: fc.Arbitrary<ConvBlock> = fc.record({
  kind: fc.constantFrom('conv_2d', 'depthwise_conv_2d') as fc.Arbitrary<ConvBlock['kind']>,
  channels: fc.integer({ min: 1, max: 3 }),
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 2 }),
  dilation: fc.integer({ min: 1, max: 2 }),
  padding: fc.constantFrom('same', 'valid') as fc.Arbitrary<'same' | 'valid'>,
  ...tail,
});

const denseBlock: fc.Arbitrary<DenseBlock> = fc.record({ out: fc.integer({ min: 1, max: 5 }), ...tail });

export const graphSpec: fc.Arbitrary<GraphSpec> = fc.record({
  h: fc.integer({ min: 2, max: 6 }),
  w: fc.integer({ min: 2, max: 6 }),
  c: fc.integer({ min: 1, max: 3 }),
  blocks: fc.array(convBlock, { minLength: 1, maxLength: 3 }),
  dense: fc.option(denseBlock, { nil: null }),
  gain: fc.constantFrom(1, 10),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});

/** mulberry32: a small deterministic generator for weights and inputs. */
export const prng = mulberry32;

/** Builds the graph a spec describes, and an input for it. */
export function buildGraph(spec: GraphSpec): { graph: Graph; input: Float32Array } {
  const rand = prng(spec.seed);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rand();
  const tensor = (shape: number[], lo = -1, hi = 1, name?: string): Value =>
    constant({ dtype: 'float32', shape }, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => uniform(lo, hi)), name);
  const g = new Graph('random');
  const x = g.addInput('x', { dtype: 'float32', shape: [1, spec.h, spec.w, spec.c] });
  let n = 0;
  const name = (what: string) => `${what}${n++}`;

  // producer → [identity] → [batch_norm] → [relu | relu6] → [+ (c₁ + c₂)]
  const finish = (p: Value, t: Tail): Value => {
    let v = p;
    const channels = v.type.shape[v.type.shape.length - 1];
    if (t.identity) v = g.add('identity', [v], {}, { names: [name('drop')] });
    if (t.bn) {
      const sign = rand() < 0.3 ? -1 : 1;
      const gamma = tensor([channels], 0.5 * sign, 1.5 * sign);
      v = g.add('batch_norm', [v, gamma, tensor([channels], -0.5, 0.5), tensor([channels], -0.5, 0.5), tensor([channels], 0.2, 2)], { epsilon: rand() < 0.5 ? 1e-3 : 1e-5 }, { names: [name('bn')] });
    }
    if (t.act !== 'none') v = g.add(t.act, [v], {}, { names: [name(t.act)] });
    if (t.constAdd) {
      const k = g.add('add', [tensor([channels]), tensor([channels])], {}, { names: [name('k')] });
      v = g.add('add', [v, k], {}, { names: [name('shift')] });
    }
    if (t.tap && v !== p) g.outputs.push(p);
    return v;
  };

  let v = x;
  for (const b of spec.blocks) {
    const [, h, w, c] = v.type.shape;
    const dilation = b.stride > 1 ? 1 : b.dilation; // TFLite: no strided dilated convolutions
    const fits = windowOutputSize(h, b.kh, b.stride, dilation, 'valid') >= 1 && windowOutputSize(w, b.kw, b.stride, dilation, 'valid') >= 1;
    const attrs = {
      padding: fits ? b.padding : ('same' as const),
      stride_h: b.stride,
      stride_w: b.stride,
      dilation_h: dilation,
      dilation_w: dilation,
      fused_activation: b.fused,
    };
    const out = b.kind === 'conv_2d' ? b.channels : c * b.channels;
    const filter = b.kind === 'conv_2d' ? tensor([out, b.kh, b.kw, c]) : tensor([1, b.kh, b.kw, out]);
    const operands = b.bias ? [v, filter, tensor([out], -0.5, 0.5)] : [v, filter];
    const p =
      b.kind === 'conv_2d'
        ? g.add('conv_2d', operands, attrs, { names: [name('conv')] })
        : g.add('depthwise_conv_2d', operands, { ...attrs, depth_multiplier: b.channels }, { names: [name('dw')] });
    v = finish(p, b);
  }
  if (spec.dense) {
    const d = spec.dense;
    const k = v.type.shape.reduce((a, b) => a * b, 1);
    const flat = g.add('reshape', [v], { new_shape: [1, k] }, { names: [name('flat')] });
    const operands = d.bias ? [flat, tensor([d.out, k]), tensor([d.out], -0.5, 0.5)] : [flat, tensor([d.out, k])];
    v = finish(g.add('fully_connected', operands, { fused_activation: d.fused }, { names: [name('fc')] }), d);
  }
  g.outputs.push(v);
  const input = Float32Array.from({ length: spec.h * spec.w * spec.c }, () => spec.gain * uniform(-1, 1));
  return { graph: g, input };
}
