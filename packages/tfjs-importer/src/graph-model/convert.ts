import { numElements, normalizeAxis, type AttrsArg, type Graph, type OpKind, type Value } from '@octet/ir';
import { fail } from '../errors.ts';
import { constOf } from '../tensor.ts';
import type { Tensor } from '../weights.ts';
import { NodeAttrs, type GraphNode } from './attrs.ts';

/** An operand: an IR value, or a Const node's tensor (kept raw so that a filter can be re-laid out). */
export type Operand = { value: Value } | { tensor: Tensor; name: string };

export interface NodeCtx {
  graph: Graph;
  node: GraphNode;
  attrs: NodeAttrs;
  /** The node's data inputs (control inputs `^x` dropped). */
  inputs: Operand[];
  /** An operand as an IR value (a Const becomes an IR constant, once per layout). */
  value(i: number): Value;
  /** An operand that must be a Const node, in its tfjs layout (a weight, a shape, axes, ...). */
  tensor(i: number, what: string): Tensor;
  /** An IR constant of operand i, transposed by `perm` and/or reshaped. */
  constant(i: number, what: string, layout: { perm?: number[]; shape?: number[] }, tag: string): Value;
  add<K extends OpKind>(kind: K, inputs: Value[], attrs: AttrsArg<K>): Value;
}

export type NodeConverter = (ctx: NodeCtx) => Value;

const ints = (t: Tensor) => Array.from(t.data, Number);

function nhwc(ctx: NodeCtx): void {
  const f = ctx.attrs.string('data_format', 'NHWC');
  if (f !== 'NHWC') fail(`node '${ctx.node.name}' (${ctx.node.op}) has data_format ${f}, which is not supported: only NHWC`);
}

/** strides / dilations / ksize attributes are [1, h, w, 1] in NHWC. */
function hw(ctx: NodeCtx, name: string, dflt: number[] = [1, 1, 1, 1]): [number, number] {
  const v = ctx.attrs.ints(name, dflt);
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) fail(`node '${ctx.node.name}' (${ctx.node.op}) has ${name} [${v.join(',')}]: expected [1, h, w, 1]`);
  return [v[1], v[2]];
}

/** SAME / VALID, or EXPLICIT paddings applied by a pad op before a VALID window. */
function windowInput(ctx: NodeCtx, x: Value): { x: Value; padding: 'same' | 'valid' } {
  const p = ctx.attrs.string('padding');
  if (p === 'SAME' || p === 'VALID') return { x, padding: p === 'SAME' ? 'same' : 'valid' };
  if (p === 'EXPLICIT') {
    const e = ctx.attrs.ints('explicit_paddings');
    if (e.length !== 8) fail(`node '${ctx.node.name}' (${ctx.node.op}) has ${e.length} explicit_paddings, expected 8`);
    return { x: e.some((v) => v !== 0) ? ctx.add('pad', [x], { paddings: e }) : x, padding: 'valid' };
  }
  return fail(`node '${ctx.node.name}' (${ctx.node.op}) has padding ${p}, which is not supported: use SAME, VALID or EXPLICIT`);
}

function convAttrs(ctx: NodeCtx) {
  nhwc(ctx);
  const [stride_h, stride_w] = hw(ctx, 'strides');
  const [dilation_h, dilation_w] = hw(ctx, 'dilations');
  return { stride_h, stride_w, dilation_h, dilation_w };
}

function conv(ctx: NodeCtx): Value {
  const f = ctx.tensor(1, 'filter');
  const w = ctx.constant(1, 'filter', { perm: [3, 0, 1, 2] }, 'ohwi'); // HWIO → OHWI
  const { x, padding } = windowInput(ctx, ctx.value(0));
  if (f.shape.length !== 4) fail(`node '${ctx.node.name}' (${ctx.node.op}) has a filter of rank ${f.shape.length}, expected 4 (HWIO)`);
  return ctx.add('conv_2d', [x, w, ...bias(ctx)], { ...convAttrs(ctx), padding });
}

function depthwise(ctx: NodeCtx): Value {
  const f = ctx.tensor(1, 'filter');
  if (f.shape.length !== 4) fail(`node '${ctx.node.name}' (${ctx.node.op}) has a filter of rank ${f.shape.length}, expected 4 ([H,W,C,M])`);
  const [h, w, c, m] = f.shape;
  const filter = ctx.constant(1, 'filter', { shape: [1, h, w, c * m] }, 'depthwise'); // same memory order
  const { x, padding } = windowInput(ctx, ctx.value(0));
  return ctx.add('depthwise_conv_2d', [x, filter, ...bias(ctx)], { ...convAttrs(ctx), padding, depth_multiplier: m });
}

/** Fused ops of _FusedConv2D / FusedDepthwiseConv2dNative / _FusedMatMul: [BiasAdd, activation?]. */
const FUSED_ACTIVATIONS: Record<string, 'relu' | 'relu6' | 'logistic'> = { Relu: 'relu', Relu6: 'relu6', Sigmoid: 'logistic' };

function fusedOps(ctx: NodeCtx): string[] {
  return ctx.attrs.strings('fused_ops', []);
}

function bias(ctx: NodeCtx): Value[] {
  const ops = fusedOps(ctx);
  return ops[0] === 'BiasAdd' ? [ctx.value(2)] : [];
}

function fused(base: NodeConverter): NodeConverter {
  return (ctx) => {
    const ops = fusedOps(ctx);
    // (tfjs itself refuses FusedBatchNorm and Prelu here; so do we.)
    const supported = `supported: [BiasAdd] alone or followed by one of ${Object.keys(FUSED_ACTIVATIONS).join(', ')}`;
    if (ops.length === 0 || ops.length > 2 || ops[0] !== 'BiasAdd') {
      fail(`node '${ctx.node.name}' (${ctx.node.op}) fuses [${ops.join(', ')}], which is not supported: ${supported}`);
    }
    let y = base(ctx);
    if (ops.length === 2) {
      const act = FUSED_ACTIVATIONS[ops[1]] ?? fail(`node '${ctx.node.name}' (${ctx.node.op}) fuses activation ${ops[1]}, which is not supported: ${supported}`);
      y = ctx.add(act, [y], {});
    }
    return y;
  };
}

function matmul(ctx: NodeCtx): Value {
  if (ctx.attrs.bool('transpose_a', false)) fail(`node '${ctx.node.name}' (${ctx.node.op}) has transpose_a, which is not supported: transpose the input first`);
  const x = ctx.value(0);
  if (x.type.shape.length !== 2) fail(`node '${ctx.node.name}' (${ctx.node.op}) multiplies a rank-${x.type.shape.length} input: only rank 2`);
  const tb = ctx.attrs.bool('transpose_b', false);
  const op = ctx.inputs[1];
  // fully_connected wants weights [out, in]; MatMul's b is [in, out] unless transpose_b.
  const w = 'tensor' in op ? ctx.constant(1, 'weights', tb ? {} : { perm: [1, 0] }, tb ? 'raw' : 'out_in') : tb ? op.value : ctx.add('transpose', [op.value], { perm: [1, 0] });
  return ctx.add('fully_connected', [x, w, ...bias(ctx)], {});
}

function pool(kind: 'max_pool_2d' | 'average_pool_2d'): NodeConverter {
  return (ctx) => {
    nhwc(ctx);
    const [filter_h, filter_w] = hw(ctx, 'ksize');
    const [stride_h, stride_w] = hw(ctx, 'strides');
    const p = ctx.attrs.string('padding');
    if (p !== 'SAME' && p !== 'VALID') fail(`node '${ctx.node.name}' (${ctx.node.op}) has padding ${p}, which is not supported: use SAME or VALID`);
    return ctx.add(kind, [ctx.value(0)], { filter_h, filter_w, stride_h, stride_w, padding: p === 'SAME' ? 'same' : 'valid' });
  };
}

const binary = (kind: 'add' | 'sub' | 'mul'): NodeConverter => (ctx) => ctx.add(kind, [ctx.value(0), ctx.value(1)], {});
const unary = (kind: 'relu' | 'relu6' | 'logistic' | 'tanh' | 'identity'): NodeConverter => (ctx) => ctx.add(kind, [ctx.value(0)], {});

/**
 * RealDiv (what Python's `x / y` on floats writes, node 'truediv') and Div (tf.compat.v1.div) are
 * both IEEE a ÷ b on float tensors; on integer tensors they round, which the IR's div does not.
 */
function divide(ctx: NodeCtx): Value {
  const t = ctx.attrs.type('T');
  if (t !== undefined && t !== 'DT_FLOAT') fail(`node '${ctx.node.name}' (${ctx.node.op}) divides ${t} tensors, which is not supported: only DT_FLOAT (integer division rounds)`);
  return ctx.add('div', [ctx.value(0), ctx.value(1)], {});
}

function reshapeTo(ctx: NodeCtx, x: Value, target: number[]): Value {
  const n = numElements(x.type.shape);
  const known = target.filter((d) => d >= 0).reduce((a, b) => a * b, 1);
  const unknown = target.filter((d) => d < 0).length;
  if (unknown > 1 || (unknown === 1 && n % known !== 0)) {
    fail(`node '${ctx.node.name}' (${ctx.node.op}) cannot reshape [${x.type.shape.join(',')}] to [${target.join(',')}]`);
  }
  return ctx.add('reshape', [x], { new_shape: target.map((d) => (d < 0 ? n / known : d)) });
}

/** GraphDef op → IR ops. (Placeholder and Const are handled by the importer itself.) */
export const NODE_CONVERTERS: Record<string, NodeConverter> = {
  Identity: unary('identity'),
  Conv2D: conv,
  DepthwiseConv2dNative: depthwise,
  _FusedConv2D: fused(conv),
  FusedDepthwiseConv2dNative: fused(depthwise),
  MatMul: matmul,
  _FusedMatMul: fused(matmul),
  BiasAdd(ctx) {
    nhwc(ctx);
    return ctx.add('add', [ctx.value(0), ctx.value(1)], {});
  },
  Add: binary('add'),
  AddV2: binary('add'),
  Sub: binary('sub'),
  Mul: binary('mul'),
  RealDiv: divide,
  Div: divide,
  Relu: unary('relu'),
  Relu6: unary('relu6'),
  Sigmoid: unary('logistic'),
  Tanh: unary('tanh'),
  Softmax: (ctx) => ctx.add('softmax', [ctx.value(0)], {}),
  MaxPool: pool('max_pool_2d'),
  AvgPool: pool('average_pool_2d'),
  Mean(ctx) {
    const x = ctx.value(0);
    const axes = ints(ctx.tensor(1, 'axes')).map((a) => normalizeAxis(a, x.type.shape.length));
    return ctx.add('mean', [x], { axes, keep_dims: ctx.attrs.bool('keep_dims', false) });
  },
  Reshape: (ctx) => reshapeTo(ctx, ctx.value(0), ints(ctx.tensor(1, 'shape'))),
  Squeeze(ctx) {
    const x = ctx.value(0);
    const rank = x.type.shape.length;
    const dims = ctx.attrs.ints('squeeze_dims', []).map((d) => normalizeAxis(d, rank));
    for (const d of dims) if (x.type.shape[d] !== 1) fail(`node '${ctx.node.name}' (Squeeze) squeezes dimension ${d} of [${x.type.shape.join(',')}], which is not 1`);
    const keep = x.type.shape.filter((d, i) => (dims.length ? !dims.includes(i) : d !== 1));
    return ctx.add('reshape', [x], { new_shape: keep });
  },
  ConcatV2(ctx) {
    const n = ctx.inputs.length - 1;
    const axis = ints(ctx.tensor(n, 'axis'))[0];
    return ctx.add('concatenation', Array.from({ length: n }, (_, i) => ctx.value(i)), { axis });
  },
  Pad(ctx) {
    const p = ctx.tensor(1, 'paddings');
    return ctx.add('pad', [ctx.value(0)], { paddings: ints(p) }); // [rank, 2] row-major = before0, after0, ...
  },
  Transpose: (ctx) => ctx.add('transpose', [ctx.value(0)], { perm: ints(ctx.tensor(1, 'perm')) }),
  FakeQuantWithMinMaxVars(ctx) {
    const [min] = ctx.tensor(1, 'min').data;
    const [max] = ctx.tensor(2, 'max').data;
    if (ctx.tensor(1, 'min').data.length !== 1) fail(`node '${ctx.node.name}' (FakeQuantWithMinMaxVars) has per-channel min/max, which is not supported: only scalars`);
    return ctx.add('fake_quant', [ctx.value(0)], { min, max, num_bits: ctx.attrs.int('num_bits', 8), narrow_range: ctx.attrs.bool('narrow_range', false) });
  },
  FakeQuantWithMinMaxArgs(ctx) {
    return ctx.add('fake_quant', [ctx.value(0)], {
      min: ctx.attrs.float('min', -6),
      max: ctx.attrs.float('max', 6),
      num_bits: ctx.attrs.int('num_bits', 8),
      narrow_range: ctx.attrs.bool('narrow_range', false),
    });
  },
};

export const SUPPORTED_NODES = ['Const', 'Placeholder', ...Object.keys(NODE_CONVERTERS)].sort();
