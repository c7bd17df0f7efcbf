/**
 * Small random valid float32 graphs: a DAG of ops from the registry over one or two NHWC (or
 * lower-rank) inputs, weights as constants, attributes drawn so that shape inference succeeds.
 * Each op kind has a builder in an exhaustive table, so a new op kind fails to type-check here until
 * it is given a builder or declared `unsupported(reason)`.
 */
import fc from 'fast-check';
import {
  ACTIVATIONS,
  constant,
  Graph,
  isUnsupported,
  numElements,
  OP_KINDS,
  opDef,
  print,
  unsupported,
  type AttrsArg,
  type OpKind,
  type OpTable,
  type Value,
} from '@octet/ir';
import { arbTensorData, type TensorDataOptions } from './arbitraries.ts';

export interface GraphOptions {
  /** Number of ops, drawn in [minOps, maxOps]; defaults 1 and 6. Fewer when no chosen op fits. */
  minOps?: number;
  maxOps?: number;
  /** Op kinds to draw from; default DEFAULT_GRAPH_OPS (every kind with a builder, no IR-only op). */
  ops?: readonly OpKind[];
  /** Graph inputs, 1 to maxInputs; default 2. */
  maxInputs?: number;
  /** No value gets more elements than this; default 512. */
  maxElements?: number;
  /** Weight values; default finite, in [-2, 2]. */
  weights?: TensorDataOptions;
  /** Give some values names (arbitrary text, quoted when printed) and some ops a loc; default true. */
  names?: boolean;
}

type Resolved = Required<Omit<GraphOptions, 'minOps' | 'maxOps'>> & { minOps: number; maxOps: number };

/** What a builder draws with and builds into. */
interface Ctx {
  g: Graph;
  /** Graph inputs and op results so far (constants excluded). */
  values: Value[];
  int(min: number, max: number): number;
  bool(): boolean;
  pick<T>(items: readonly T[]): T;
  /** A float32 number in [min, max]. */
  f32(min: number, max: number): number;
  /** A float32 constant of this shape holding random weights (options override the graph's). */
  weight(shape: number[], data?: TensorDataOptions): Value;
  /** Adds an op; undefined (and nothing added) when a result would exceed maxElements. */
  add<K extends OpKind>(kind: K, inputs: Value[], attrs: AttrsArg<K>): Value | undefined;
}

/** Builds one op reading `x` (and maybe other values), or returns undefined when the kind does not fit `x`. */
type OpBuilder = (c: Ctx, x: Value) => Value | undefined;

const rank = (v: Value) => v.type.shape.length;
const activation = (c: Ctx) => c.pick(ACTIVATIONS);

/** Window attributes for an [N, H, W, C] input that give an output of at least 1×1 (TFLite's rules). */
function windowAttrs(c: Ctx, h: number, w: number, dilations: boolean) {
  const padding = c.pick(['same', 'valid'] as const);
  // tfjs, the oracle of the kernel tests, refuses strides and dilations both above 1
  const dilate = dilations && c.bool();
  const stride_h = dilate ? 1 : c.int(1, 2);
  const stride_w = dilate ? 1 : c.int(1, 2);
  const dilation_h = dilate ? c.int(1, 2) : 1;
  const dilation_w = dilate ? c.int(1, 2) : 1;
  // VALID needs the dilated window (k − 1)·d + 1 to fit the input
  const kmax = (size: number, d: number) => (padding === 'valid' ? Math.min(3, Math.floor((size - 1) / d) + 1) : 3);
  const kh = c.int(1, kmax(h, dilation_h));
  const kw = c.int(1, kmax(w, dilation_w));
  return { padding, stride_h, stride_w, kh, kw, ...(dilations ? { dilation_h, dilation_w } : {}) };
}

function pool(kind: 'max_pool_2d' | 'average_pool_2d'): OpBuilder {
  return (c, x) => {
    if (rank(x) !== 4) return undefined;
    const { kh, kw, ...a } = windowAttrs(c, x.type.shape[1], x.type.shape[2], false);
    return c.add(kind, [x], { ...a, filter_h: kh, filter_w: kw, fused_activation: activation(c) });
  };
}

/** A shape that broadcasts against `shape` to `shape`: some trailing dims, each kept or set to 1. */
function broadcastableShape(c: Ctx, shape: readonly number[]): number[] {
  const k = c.int(0, shape.length);
  return shape.slice(shape.length - k).map((d) => (c.bool() ? d : 1));
}

function binary(kind: 'add' | 'sub' | 'mul'): OpBuilder {
  return (c, x) => {
    const same = c.values.filter((v) => v !== x && v.type.shape.join() === x.type.shape.join());
    const choice = c.int(0, 2);
    const y = choice === 0 && same.length ? c.pick(same) : choice === 1 ? x : c.weight(broadcastableShape(c, x.type.shape));
    const [a, b] = c.bool() ? [x, y] : [y, x];
    return c.add(kind, [a, b], { fused_activation: activation(c) });
  };
}

const unary =
  (kind: 'relu' | 'relu6' | 'logistic' | 'tanh' | 'identity'): OpBuilder =>
  (c, x) =>
    c.add(kind, [x], {});

function primeFactors(n: number): number[] {
  const out: number[] = [];
  for (let p = 2; p * p <= n; p++) while (n % p === 0) (out.push(p), (n /= p));
  if (n > 1) out.push(n);
  return out;
}

/** A builder per op kind. */
export const GRAPH_OP_BUILDERS = {
  conv_2d: (c, x) => {
    if (rank(x) !== 4) return undefined;
    const [, h, w, ch] = x.type.shape;
    const { kh, kw, ...a } = windowAttrs(c, h, w, true);
    const o = c.int(1, 4);
    const inputs = [x, c.weight([o, kh, kw, ch])];
    if (c.bool()) inputs.push(c.weight([o]));
    return c.add('conv_2d', inputs, { ...a, fused_activation: activation(c) });
  },
  depthwise_conv_2d: (c, x) => {
    if (rank(x) !== 4) return undefined;
    const [, h, w, ch] = x.type.shape;
    const { kh, kw, ...a } = windowAttrs(c, h, w, true);
    const m = c.int(1, 2);
    const inputs = [x, c.weight([1, kh, kw, ch * m])];
    if (c.bool()) inputs.push(c.weight([ch * m]));
    return c.add('depthwise_conv_2d', inputs, { ...a, depth_multiplier: m, fused_activation: activation(c) });
  },
  fully_connected: (c, x) => {
    if (rank(x) === 0) return undefined;
    const n = numElements(x.type.shape);
    const last = x.type.shape[rank(x) - 1];
    // rows of the last dimension (possibly keeping the leading dims), or the whole input as one row
    const k = c.bool() || n > 64 ? last : n;
    const out = c.int(1, 6);
    const inputs = [x, c.weight([out, k])];
    if (c.bool()) inputs.push(c.weight([out]));
    return c.add('fully_connected', inputs, { fused_activation: activation(c), keep_num_dims: k === last && rank(x) > 1 && c.bool() });
  },
  max_pool_2d: pool('max_pool_2d'),
  average_pool_2d: pool('average_pool_2d'),
  mean: (c, x) => {
    const r = rank(x);
    if (r === 0) return undefined;
    const axes = c.pick(subsets(r)).map((a) => (c.bool() ? a - r : a));
    return c.add('mean', [x], { axes, keep_dims: c.bool() });
  },
  reshape: (c, x) => {
    const dims = new Array<number>(c.int(1, 4)).fill(1);
    for (const p of primeFactors(numElements(x.type.shape))) dims[c.int(0, dims.length - 1)] *= p;
    return c.add('reshape', [x], { new_shape: dims });
  },
  pad: (c, x) => {
    if (rank(x) === 0) return undefined;
    return c.add('pad', [x], { paddings: x.type.shape.flatMap(() => [c.int(0, 2), c.int(0, 2)]) });
  },
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  // x ÷ a constant kept away from zero, so that random graphs stay finite.
  div: (c, x) => c.add('div', [x, c.weight(broadcastableShape(c, x.type.shape), { min: 0.25, max: 2 })], { fused_activation: activation(c) }),
  minimum: (c, x) => {
    const y = c.bool() ? c.weight(broadcastableShape(c, x.type.shape)) : x;
    return c.add('minimum', c.bool() ? [x, y] : [y, x], {});
  },
  concatenation: (c, x) => {
    const r = rank(x);
    if (r === 0) return undefined;
    const axis = c.int(0, r - 1);
    const fits = (v: Value) => v !== x && rank(v) === r && v.type.shape.every((d, i) => i === axis || d === x.type.shape[i]);
    const others = c.values.filter(fits);
    const inputs = [x];
    for (let k = c.int(1, 2); k > 0; k--) {
      const choice = c.int(0, 2);
      if (choice === 0 && others.length) inputs.push(c.pick(others));
      else if (choice === 1) inputs.push(x);
      else inputs.push(c.weight(x.type.shape.map((d, i) => (i === axis ? c.int(1, 3) : d))));
    }
    return c.add('concatenation', inputs, { axis: c.bool() ? axis : axis - r, fused_activation: activation(c) });
  },
  relu: unary('relu'),
  relu6: unary('relu6'),
  logistic: unary('logistic'),
  tanh: unary('tanh'),
  softmax: (c, x) => (rank(x) === 0 ? undefined : c.add('softmax', [x], { beta: c.pick([1, 1, c.f32(0.25, 4)]) })),
  resize_nearest_neighbor: (c, x) => {
    if (rank(x) !== 4) return undefined;
    // TFLite rejects align_corners together with half_pixel_centers
    const [align_corners, half_pixel_centers] = c.pick([
      [false, false],
      [true, false],
      [false, true],
    ]);
    return c.add('resize_nearest_neighbor', [x], { size: [c.int(1, 8), c.int(1, 8)], align_corners, half_pixel_centers });
  },
  transpose: (c, x) => {
    const perm = x.type.shape.map((_, i) => i);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = c.int(0, i);
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    return rank(x) === 0 ? undefined : c.add('transpose', [x], { perm });
  },
  quantize: unsupported('random float32 graphs hold no quantized value: quantize needs the quantization passes'),
  dequantize: unsupported('random float32 graphs hold no quantized value: dequantize needs the quantization passes'),
  batch_norm: (c, x) => {
    if (rank(x) === 0) return undefined;
    const ch = x.type.shape[rank(x) - 1];
    const stats = [c.weight([ch]), c.weight([ch]), c.weight([ch]), c.weight([ch], { min: 0.0625, max: 4 })];
    return c.add('batch_norm', [x, ...stats], { epsilon: c.pick([Math.fround(1e-3), Math.fround(1e-5)]) });
  },
  fake_quant: (c, x) => {
    const min = c.f32(-4, 0);
    const max = Math.max(min + 0.125, c.f32(0, 4));
    return c.add('fake_quant', [x], { min, max, num_bits: c.pick([8, 8, 4, 16]), narrow_range: c.bool() });
  },
  identity: unary('identity'),
} satisfies OpTable<OpBuilder>;

/** Every kind with a builder, except the IR-only ones (batch_norm, fake_quant, identity), which a test asks for by name. */
export const DEFAULT_GRAPH_OPS: readonly OpKind[] = OP_KINDS.filter((k) => !isUnsupported(GRAPH_OP_BUILDERS[k]) && !opDef(k).irOnly);

const subsetCache = new Map<number, number[][]>();
/** The non-empty subsets of 0..r−1, each ascending. */
function subsets(r: number): number[][] {
  let s = subsetCache.get(r);
  if (!s) {
    s = [];
    for (let mask = 1; mask < 1 << r; mask++) s.push([...Array(r).keys()].filter((i) => mask & (1 << i)));
    subsetCache.set(r, s);
  }
  return s;
}

/** Random valid graphs (see the module comment); every one passes `verify`. */
export function arbGraph(opts: GraphOptions = {}): fc.Arbitrary<Graph> {
  const o: Resolved = {
    minOps: opts.minOps ?? 1,
    maxOps: opts.maxOps ?? 6,
    ops: opts.ops ?? DEFAULT_GRAPH_OPS,
    maxInputs: opts.maxInputs ?? 2,
    maxElements: opts.maxElements ?? 512,
    weights: opts.weights ?? { min: -2, max: 2 },
    names: opts.names ?? true,
  };
  for (const k of o.ops) if (isUnsupported(GRAPH_OP_BUILDERS[k])) throw new Error(`arbGraph cannot build '${k}': ${GRAPH_OP_BUILDERS[k].unsupported}`);
  return fc.gen().map((draw) => buildGraph(draw, o));
}

const READABLE = ['conv2d', 'dense_1/BiasAdd', 'block.1', 'Relu6:0', 'batch_normalization', 'x'] as const;

function buildGraph(draw: fc.GeneratorValue, o: Resolved): Graph {
  const used = new Set<string>();
  const c: Ctx = {
    g: new Graph(draw(fc.constantFrom, 'g', 'model', 'mnist_cnn', 'net.v2', '_block-3$')),
    values: [],
    int: (min, max) => draw(fc.integer, { min, max }),
    bool: () => draw(fc.boolean),
    pick: (items) => items[c.int(0, items.length - 1)],
    f32: (min, max) => draw(fc.float, { min: Math.fround(min), max: Math.fround(max), noNaN: true }),
    weight: (shape, data) => {
      const values = draw(arbTensorData, 'float32', numElements(shape), { ...o.weights, ...data });
      return constant({ dtype: 'float32', shape }, values, name());
    },
    add: (kind, inputs, attrs) => {
      const loc = o.names && c.int(0, 3) === 0 ? text() : undefined;
      const op = c.g.createOp(kind, inputs, attrs, { ...(loc !== undefined ? { loc } : {}), names: [name()] });
      if (op.outputs.some((v) => numElements(v.type.shape) > o.maxElements)) return undefined;
      c.g.ops.push(op as Graph['ops'][number]);
      c.values.push(op.outputs[0]);
      return op.outputs[0];
    },
  };
  // Arbitrary text (any code points) or a tfjs-like name; printed quoted where needed.
  function text(): string {
    return c.bool() ? draw(fc.string, { unit: 'binary', maxLength: 6 }) : c.pick(READABLE);
  }
  function name(force = false): string | undefined {
    if (!o.names && !force) return undefined;
    if (!force && c.bool()) return undefined;
    const base = o.names ? text() : 'x';
    let n = base;
    for (let k = 1; used.has(n); k++) n = `${base}_${k}`;
    used.add(n);
    return n;
  }

  for (let i = c.int(1, o.maxInputs); i > 0; i--) {
    const first = c.values[0];
    const shape =
      first && c.bool()
        ? [...first.type.shape]
        : c.int(0, 3) > 0
          ? [c.int(1, 2), c.int(1, 8), c.int(1, 8), c.int(1, 4)]
          : Array.from({ length: c.int(1, 3) }, () => c.int(1, 6));
    c.values.push(c.g.addInput(name(true)!, { dtype: 'float32', shape }));
  }
  const target = c.int(o.minOps, o.maxOps);
  for (let attempt = 0; c.g.ops.length < target && attempt < 8 * target; attempt++) {
    const kind = c.pick(o.ops);
    // mostly extend the newest value (chains), sometimes branch from an older one (DAGs)
    const x = c.bool() ? c.values[c.values.length - 1] : c.pick(c.values);
    (GRAPH_OP_BUILDERS[kind] as OpBuilder)(c, x);
  }
  // Outputs: every result nobody reads, and now and then one that is also read (a second reader).
  for (const op of c.g.ops) {
    const v = op.outputs[0];
    if (c.g.useCount(v) === 0 || c.int(0, 7) === 0) c.g.outputs.push(v);
  }
  if (c.g.outputs.length === 0) c.g.outputs.push(c.values[0]);
  const g = c.g;
  Object.defineProperty(g, fc.toStringMethod, { value: () => print(g, { elideConstantsAbove: Infinity }) });
  return g;
}
