import { normalizeAxis, numElements, type AttrsArg, type Graph, type OpKind, type Value } from '@octet/ir';
import { fail } from '../errors.ts';
import { constOf, f32 } from '../tensor.ts';
import type { Tensor } from '../weights.ts';
import type { Config } from './topology.ts';

/** What a layer converter sees: its config, its weights, and a way to add ops located at the layer. */
export interface LayerCtx {
  graph: Graph;
  /** The layer's name: every op gets it as `loc`, constants are named `<layer>/<weight>`. */
  name: string;
  className: string;
  cfg: Config;
  /** The layer's weights in Keras order (names as Keras writes them; Keras 3's `<layer>/<index>` is found by position). */
  weights(names: string[]): Tensor[];
  add<K extends OpKind>(kind: K, inputs: Value[], attrs: AttrsArg<K>): Value;
  /** The IR constant `<layer>/<name>`, made once per layer (a shared layer's calls reuse it). */
  constant(name: string, make: (fullName: string) => Value): Value;
}

/** A weight as an IR constant named `<layer>/<weight>`, transposed and/or reshaped into TFLite's layout. */
const weightConst = (ctx: LayerCtx, t: Tensor, name: string, layout: { perm?: number[]; shape?: number[] } = {}) =>
  ctx.constant(name, (full) => constOf(t, full, layout));

export type LayerConverter = (ctx: LayerCtx, inputs: Value[]) => Value;

type Act = 'none' | 'relu' | 'relu6' | 'logistic' | 'tanh' | 'softmax';
const ACTIVATIONS: Record<string, Act> = { linear: 'none', relu: 'relu', relu6: 'relu6', sigmoid: 'logistic', tanh: 'tanh', softmax: 'softmax' };

function activationName(ctx: LayerCtx, a: unknown): string {
  if (a === undefined || a === null) return 'linear';
  if (typeof a === 'string') return a;
  // Keras 3 may serialize a function as {module, class_name: 'function', config: 'relu'}.
  if (typeof a === 'object' && typeof (a as { config?: unknown }).config === 'string') return (a as { config: string }).config;
  return fail(`layer '${ctx.name}' (${ctx.className}) has activation ${JSON.stringify(a)}, which is not supported: use one of ${Object.keys(ACTIVATIONS).join(', ')}`);
}

/** Applies a Keras activation as a separate op (fuse-activation folds relu/relu6 into the producer later). */
export function activate(ctx: LayerCtx, x: Value, activation: unknown): Value {
  const name = activationName(ctx, activation);
  const act = ACTIVATIONS[name];
  if (act === undefined) {
    return fail(`layer '${ctx.name}' (${ctx.className}) has activation '${name}', which is not supported: use one of ${Object.keys(ACTIVATIONS).join(', ')}`);
  }
  if (act === 'none') return x;
  if (act === 'softmax') return ctx.add('softmax', [x], {});
  return ctx.add(act, [x], {});
}

const pair = (v: unknown, what: string, ctx: LayerCtx): [number, number] => {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0], v[1]];
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return [v[0], v[0]];
  return fail(`layer '${ctx.name}' (${ctx.className}): ${what} ${JSON.stringify(v)} is not one or two integers`);
};

function channelsLast(ctx: LayerCtx): void {
  const f = ctx.cfg.data_format;
  if (f !== undefined && f !== null && f !== 'channels_last') {
    fail(`layer '${ctx.name}' (${ctx.className}) has data_format '${String(f)}', which is not supported: only channels_last (NHWC, TFLite's layout)`);
  }
}

function padding(ctx: LayerCtx): 'same' | 'valid' {
  const p = ctx.cfg.padding ?? 'valid';
  if (p === 'same' || p === 'valid') return p;
  return fail(`layer '${ctx.name}' (${ctx.className}) has padding '${String(p)}', which is not supported: use 'same' or 'valid'`);
}

const rank = (v: Value) => v.type.shape.length;

function expectInputs(ctx: LayerCtx, inputs: Value[], n: number | 'many'): void {
  if (n === 'many' ? inputs.length < 2 : inputs.length !== n) {
    fail(`layer '${ctx.name}' (${ctx.className}) takes ${n === 'many' ? 'at least 2' : n} input(s), got ${inputs.length}`);
  }
}

function convAttrs(ctx: LayerCtx) {
  channelsLast(ctx);
  const [stride_h, stride_w] = pair(ctx.cfg.strides ?? 1, 'strides', ctx);
  const [dilation_h, dilation_w] = pair(ctx.cfg.dilation_rate ?? 1, 'dilation_rate', ctx);
  return { padding: padding(ctx), stride_h, stride_w, dilation_h, dilation_w };
}

const useBias = (ctx: LayerCtx) => ctx.cfg.use_bias !== false;

/** Depthwise kernel [H, W, C, M] is TFLite's [1, H, W, C·M] in the same memory order (channel c·M + m). */
function depthwise(ctx: LayerCtx, x: Value, kernel: Tensor, bias: Tensor | undefined): Value {
  const [h, w, c, m] = kernel.shape;
  const filter = weightConst(ctx, kernel, 'depthwise_kernel', { shape: [1, h, w, c * m] });
  const b = bias ? [weightConst(ctx, bias, 'bias')] : [];
  return ctx.add('depthwise_conv_2d', [x, filter, ...b], { ...convAttrs(ctx), depth_multiplier: m });
}

function pool(kind: 'max_pool_2d' | 'average_pool_2d'): LayerConverter {
  return (ctx, [x]) => {
    channelsLast(ctx);
    const [filter_h, filter_w] = pair(ctx.cfg.pool_size ?? 2, 'pool_size', ctx);
    const [stride_h, stride_w] = pair(ctx.cfg.strides ?? [filter_h, filter_w], 'strides', ctx);
    return ctx.add(kind, [x], { padding: padding(ctx), filter_h, filter_w, stride_h, stride_w });
  };
}

function chain(kind: 'add' | 'sub' | 'mul'): LayerConverter {
  return (ctx, inputs) => {
    expectInputs(ctx, inputs, kind === 'sub' ? 2 : 'many');
    return inputs.slice(1).reduce((acc, v) => ctx.add(kind, [acc, v], {}), inputs[0]);
  };
}

const identity: LayerConverter = (ctx, [x]) => ctx.add('identity', [x], {});

/** Keras layer class → IR ops. Weights are transposed into TFLite layouts here. */
export const LAYER_CONVERTERS: Record<string, LayerConverter> = {
  Reshape(ctx, [x]) {
    const raw = ctx.cfg.target_shape as (number | null)[];
    if (!Array.isArray(raw)) fail(`layer '${ctx.name}' (Reshape) has no target_shape`);
    const target = raw.map((d) => (d === null ? -1 : d)); // tfjs writes the inferred −1 as null
    const n = x.type.shape[0];
    const known = target.filter((d) => d >= 0).reduce((a, b) => a * b, 1);
    const rest = numElements(x.type.shape) / n;
    const shape = target.map((d) => (d < 0 ? rest / known : d));
    return ctx.add('reshape', [x], { new_shape: [n, ...shape] });
  },
  Flatten(ctx, [x]) {
    channelsLast(ctx);
    // NHWC flattened in row-major order is what Keras computes: no transpose.
    const n = x.type.shape[0];
    return ctx.add('reshape', [x], { new_shape: [n, numElements(x.type.shape) / n] });
  },
  Dense(ctx, [x]) {
    const [kernel, bias] = ctx.weights(useBias(ctx) ? ['kernel', 'bias'] : ['kernel']);
    const w = weightConst(ctx, kernel, 'kernel', { perm: [1, 0] }); // [in, out] → [out, in]
    const b = bias ? [weightConst(ctx, bias, 'bias')] : [];
    const y = ctx.add('fully_connected', [x, w, ...b], { keep_num_dims: rank(x) > 2 });
    return activate(ctx, y, ctx.cfg.activation);
  },
  Conv2D(ctx, [x]) {
    const groups = ctx.cfg.groups ?? 1;
    if (groups !== 1) fail(`layer '${ctx.name}' (Conv2D) has groups=${String(groups)}, which is not supported: only groups=1`);
    const [kernel, bias] = ctx.weights(useBias(ctx) ? ['kernel', 'bias'] : ['kernel']);
    const w = weightConst(ctx, kernel, 'kernel', { perm: [3, 0, 1, 2] }); // HWIO → OHWI
    const b = bias ? [weightConst(ctx, bias, 'bias')] : [];
    return activate(ctx, ctx.add('conv_2d', [x, w, ...b], convAttrs(ctx)), ctx.cfg.activation);
  },
  DepthwiseConv2D(ctx, [x]) {
    const [kernel, bias] = ctx.weights(useBias(ctx) ? ['depthwise_kernel', 'bias'] : ['depthwise_kernel']);
    return activate(ctx, depthwise(ctx, x, kernel, bias), ctx.cfg.activation);
  },
  SeparableConv2D(ctx, [x]) {
    const [dk, pk, bias] = ctx.weights(useBias(ctx) ? ['depthwise_kernel', 'pointwise_kernel', 'bias'] : ['depthwise_kernel', 'pointwise_kernel']);
    const d = depthwise(ctx, x, dk, undefined);
    const w = weightConst(ctx, pk, 'pointwise_kernel', { perm: [3, 0, 1, 2] }); // [1,1,C·M,F] → [F,1,1,C·M]
    const b = bias ? [weightConst(ctx, bias, 'bias')] : [];
    return activate(ctx, ctx.add('conv_2d', [d, w, ...b], { padding: 'valid' }), ctx.cfg.activation);
  },
  BatchNormalization(ctx, [x]) {
    const axes = Array.isArray(ctx.cfg.axis) ? (ctx.cfg.axis as number[]) : [(ctx.cfg.axis as number | undefined) ?? -1];
    const r = rank(x);
    if (axes.length !== 1 || (axes[0] !== -1 && axes[0] !== r - 1)) {
      fail(`layer '${ctx.name}' (BatchNormalization) normalizes axis ${JSON.stringify(ctx.cfg.axis)}, which is not supported: only the last axis (channels_last)`);
    }
    const c = x.type.shape[r - 1];
    const scale = ctx.cfg.scale !== false;
    const center = ctx.cfg.center !== false;
    const names = [...(scale ? ['gamma'] : []), ...(center ? ['beta'] : []), 'moving_mean', 'moving_variance'];
    const got = ctx.weights(names);
    const byName = new Map(names.map((n, i) => [n, got[i]]));
    const param = (n: string, fill: number) => {
      const t = byName.get(n);
      return ctx.constant(n, (full) => (t ? constOf(t, full) : f32([c], new Array(c).fill(fill), full)));
    };
    const epsilon = (ctx.cfg.epsilon as number | undefined) ?? 1e-3;
    return ctx.add('batch_norm', [x, param('gamma', 1), param('beta', 0), param('moving_mean', 0), param('moving_variance', 1)], { epsilon });
  },
  Activation: (ctx, [x]) => {
    const y = activate(ctx, x, ctx.cfg.activation);
    return y === x ? ctx.add('identity', [x], {}) : y;
  },
  ReLU(ctx, [x]) {
    const slope = (ctx.cfg.negative_slope as number | undefined) ?? 0;
    const threshold = (ctx.cfg.threshold as number | undefined) ?? 0;
    if (slope !== 0 || threshold !== 0) {
      fail(`layer '${ctx.name}' (ReLU) has negative_slope ${slope} and threshold ${threshold}, which is not supported: only 0 and 0 (max_value is supported)`);
    }
    const max = ctx.cfg.max_value as number | null | undefined;
    if (max === null || max === undefined) return ctx.add('relu', [x], {});
    if (max === 6) return ctx.add('relu6', [x], {});
    return ctx.add('minimum', [ctx.add('relu', [x], {}), ctx.constant('max_value', (full) => f32([], [max], full))], {}); // min(relu(x), max_value)
  },
  Softmax(ctx, [x]) {
    // tfjs's default axis is 1, Keras's −1; TFLite's softmax is over the last axis, so move the axis there and back.
    const r = rank(x);
    const axis = normalizeAxis((ctx.cfg.axis as number | undefined) ?? -1, r);
    if (axis === r - 1) return ctx.add('softmax', [x], {});
    const perm = [...Array(r).keys()].filter((d) => d !== axis).concat(axis); // axis → last
    const inverse = perm.map((_, d) => perm.indexOf(d));
    return ctx.add('transpose', [ctx.add('softmax', [ctx.add('transpose', [x], { perm })], {})], { perm: inverse });
  },
  MaxPooling2D: pool('max_pool_2d'),
  AveragePooling2D: pool('average_pool_2d'),
  GlobalAveragePooling2D(ctx, [x]) {
    channelsLast(ctx);
    return ctx.add('mean', [x], { axes: [1, 2], keep_dims: ctx.cfg.keepdims === true });
  },
  GlobalMaxPooling2D(ctx, [x]) {
    channelsLast(ctx);
    // max over H×W = a max pool whose window is the whole image, then drop the 1×1.
    const [n, h, w, c] = x.type.shape;
    const y = ctx.add('max_pool_2d', [x], { padding: 'valid', filter_h: h, filter_w: w, stride_h: 1, stride_w: 1 });
    return ctx.cfg.keepdims === true ? y : ctx.add('reshape', [y], { new_shape: [n, c] });
  },
  ZeroPadding2D(ctx, [x]) {
    channelsLast(ctx);
    const p = ctx.cfg.padding ?? 1;
    const [[t, b], [l, r]] =
      typeof p === 'number'
        ? [[p, p], [p, p]]
        : Array.isArray(p) && p.every((q) => Array.isArray(q))
          ? (p as [[number, number], [number, number]])
          : (() => {
              const [a, c] = pair(p, 'padding', ctx);
              return [[a, a], [c, c]];
            })();
    return ctx.add('pad', [x], { paddings: [0, 0, t, b, l, r, 0, 0] });
  },
  UpSampling2D(ctx, [x]) {
    channelsLast(ctx);
    const interp = ctx.cfg.interpolation ?? 'nearest';
    if (interp !== 'nearest') fail(`layer '${ctx.name}' (UpSampling2D) has interpolation '${String(interp)}', which is not supported: only 'nearest'`);
    const [sh, sw] = pair(ctx.cfg.size ?? 2, 'size', ctx);
    const [, h, w] = x.type.shape;
    return ctx.add('resize_nearest_neighbor', [x], { size: [h * sh, w * sw] });
  },
  Add: chain('add'),
  Subtract: chain('sub'),
  Multiply: chain('mul'),
  Concatenate(ctx, inputs) {
    expectInputs(ctx, inputs, 'many');
    return ctx.add('concatenation', inputs, { axis: (ctx.cfg.axis as number | undefined) ?? -1 });
  },
  Dropout: identity,
  SpatialDropout1D: identity,
  SpatialDropout2D: identity,
  SpatialDropout3D: identity,
  Permute(ctx, [x]) {
    const dims = ctx.cfg.dims as number[];
    if (!Array.isArray(dims)) fail(`layer '${ctx.name}' (Permute) has no dims`);
    return ctx.add('transpose', [x], { perm: [0, ...dims] }); // dims are 1-based, the batch stays first
  },
};

export const SUPPORTED_LAYERS = ['InputLayer', ...Object.keys(LAYER_CONVERTERS)].sort();
