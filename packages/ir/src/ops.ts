import { bool, float, int, ints, oneOf, type AttrsFromSchema } from './attrs.ts';
import { IrError } from './errors.ts';
import { defineOp, type InferredType, type OpDef } from './registry.ts';
import { broadcastShapes, normalizeAxis, windowOutputSize } from './shape.ts';
import { numElements, type TensorType } from './types.ts';

export const ACTIVATIONS = ['none', 'relu', 'relu6', 'relu_n1_to_1'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
const fusedActivation = oneOf(ACTIVATIONS, 'none');
const padding = oneOf(['same', 'valid']);

const fail = (msg: string): never => {
  throw new IrError(msg);
};
const fmt = (s: readonly number[]) => `[${s.join(',')}]`;

function expectRank(what: string, t: TensorType, rank: number): void {
  if (t.shape.length !== rank) fail(`${what} must have rank ${rank}, got ${t.dtype}${fmt(t.shape)}`);
}

function checkBias(bias: TensorType | undefined, channels: number): void {
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== channels)) {
    fail(`bias must have shape [${channels}], got ${fmt(bias.shape)}`);
  }
}

const same = (inputs: readonly TensorType[]): InferredType[] => [{ shape: [...inputs[0].shape], dtype: inputs[0].dtype }];

function windowed(input: TensorType, kh: number, kw: number, a: { stride_h: number; stride_w: number; dilation_h?: number; dilation_w?: number; padding: 'same' | 'valid' }): [number, number] {
  expectRank('input', input, 4);
  const [, h, w] = input.shape;
  if (a.stride_h < 1 || a.stride_w < 1) fail(`strides must be positive, got ${a.stride_h}x${a.stride_w}`);
  const dh = a.dilation_h ?? 1;
  const dw = a.dilation_w ?? 1;
  if (dh < 1 || dw < 1) fail(`dilations must be positive, got ${dh}x${dw}`);
  const oh = windowOutputSize(h, kh, a.stride_h, dh, a.padding);
  const ow = windowOutputSize(w, kw, a.stride_w, dw, a.padding);
  if (oh < 1 || ow < 1) fail(`window ${kh}x${kw} does not fit input ${fmt(input.shape)} with padding "${a.padding}"`);
  return [oh, ow];
}

const convAttrs = {
  padding,
  stride_h: int(1),
  stride_w: int(1),
  dilation_h: int(1),
  dilation_w: int(1),
  fused_activation: fusedActivation,
} as const;

const poolAttrs = { padding, stride_h: int(1), stride_w: int(1), filter_h: int(), filter_w: int(), fused_activation: fusedActivation } as const;

function pool(inputs: readonly TensorType[], a: AttrsFromSchema<typeof poolAttrs>): InferredType[] {
  const [oh, ow] = windowed(inputs[0], a.filter_h, a.filter_w, a);
  const [n, , , c] = inputs[0].shape;
  return [{ shape: [n, oh, ow, c], dtype: inputs[0].dtype }];
}

const binary = (inputs: readonly TensorType[]): InferredType[] => [
  { shape: broadcastShapes(inputs[0].shape, inputs[1].shape), dtype: inputs[0].dtype },
];

const unary = (summary: string) => defineOp({ summary, operands: ['input'], results: 1, attrs: {}, infer: same });

/** The op registry: every op kind of the IR, declared once. */
export const OPS = {
  conv_2d: defineOp({
    summary: 'NHWC 2-D convolution; filter OHWI, optional bias [O]',
    operands: ['input', 'filter', 'bias?'],
    results: 1,
    attrs: convAttrs,
    infer([input, filter, bias], a) {
      expectRank('filter', filter, 4);
      const [o, kh, kw, i] = filter.shape;
      expectRank('input', input, 4);
      if (input.shape[3] !== i) fail(`filter ${fmt(filter.shape)} expects ${i} input channels, input ${fmt(input.shape)} has ${input.shape[3]}`);
      checkBias(bias, o);
      const [oh, ow] = windowed(input, kh, kw, a);
      return [{ shape: [input.shape[0], oh, ow, o], dtype: input.dtype }];
    },
  }),
  depthwise_conv_2d: defineOp({
    summary: 'NHWC depthwise convolution; filter [1, H, W, C·multiplier], optional bias',
    operands: ['input', 'filter', 'bias?'],
    results: 1,
    attrs: { ...convAttrs, depth_multiplier: int(1) },
    infer([input, filter, bias], a) {
      expectRank('filter', filter, 4);
      expectRank('input', input, 4);
      const [one, kh, kw, cm] = filter.shape;
      if (one !== 1) fail(`filter must have shape [1,H,W,C·M], got ${fmt(filter.shape)}`);
      if (input.shape[3] * a.depth_multiplier !== cm) {
        fail(`filter ${fmt(filter.shape)} has ${cm} channels, expected ${input.shape[3]}×${a.depth_multiplier} (input channels × depth_multiplier)`);
      }
      checkBias(bias, cm);
      const [oh, ow] = windowed(input, kh, kw, a);
      return [{ shape: [input.shape[0], oh, ow, cm], dtype: input.dtype }];
    },
  }),
  fully_connected: defineOp({
    summary: 'y = x·Wᵀ + b; weights [out, in]; input flattened to [numel/in, in] unless keep_num_dims',
    operands: ['input', 'weights', 'bias?'],
    results: 1,
    attrs: { fused_activation: fusedActivation, keep_num_dims: bool(false) },
    infer([input, weights, bias], a) {
      expectRank('weights', weights, 2);
      const [out, k] = weights.shape;
      const n = numElements(input.shape);
      if (input.shape.length === 0 || n % k !== 0) fail(`input ${fmt(input.shape)} cannot be flattened to rows of ${k} (weights ${fmt(weights.shape)})`);
      if (a.keep_num_dims && input.shape[input.shape.length - 1] !== k) fail(`keep_num_dims needs the input's last dimension to be ${k}, got ${fmt(input.shape)}`);
      checkBias(bias, out);
      const shape = a.keep_num_dims ? [...input.shape.slice(0, -1), out] : [n / k, out];
      return [{ shape, dtype: input.dtype }];
    },
  }),
  max_pool_2d: defineOp({ summary: 'NHWC max pooling', operands: ['input'], results: 1, attrs: poolAttrs, infer: pool }),
  average_pool_2d: defineOp({
    summary: 'NHWC average pooling (padding excluded from the count)',
    operands: ['input'],
    results: 1,
    attrs: poolAttrs,
    infer: pool,
  }),
  mean: defineOp({
    summary: 'mean over the given axes',
    operands: ['input'],
    results: 1,
    attrs: { axes: ints(), keep_dims: bool(false) },
    infer([input], a) {
      const rank = input.shape.length;
      const axes = new Set(a.axes.map((x) => normalizeAxis(x, rank)));
      if (axes.size !== a.axes.length) fail(`axes ${fmt(a.axes)} repeat an axis`);
      const shape = a.keep_dims ? input.shape.map((d, i) => (axes.has(i) ? 1 : d)) : input.shape.filter((_, i) => !axes.has(i));
      return [{ shape, dtype: input.dtype }];
    },
  }),
  reshape: defineOp({
    summary: 'reshape to a static shape',
    operands: ['input'],
    results: 1,
    attrs: { new_shape: ints() },
    infer([input], a) {
      if (a.new_shape.some((d) => d < 0)) fail(`new_shape ${fmt(a.new_shape)} must be static (no -1): resolve it when importing`);
      if (numElements(a.new_shape) !== numElements(input.shape)) {
        fail(`cannot reshape ${fmt(input.shape)} (${numElements(input.shape)} elements) to ${fmt(a.new_shape)} (${numElements(a.new_shape)})`);
      }
      return [{ shape: [...a.new_shape], dtype: input.dtype }];
    },
  }),
  pad: defineOp({
    summary: 'constant zero padding; paddings = [before0, after0, before1, after1, ...]',
    operands: ['input'],
    results: 1,
    attrs: { paddings: ints() },
    infer([input], a) {
      const rank = input.shape.length;
      if (a.paddings.length !== 2 * rank) fail(`paddings needs ${2 * rank} entries for rank ${rank}, got ${a.paddings.length}`);
      if (a.paddings.some((p) => p < 0)) fail(`paddings ${fmt(a.paddings)} must be non-negative`);
      return [{ shape: input.shape.map((d, i) => d + a.paddings[2 * i] + a.paddings[2 * i + 1]), dtype: input.dtype }];
    },
  }),
  add: defineOp({ summary: 'a + b, broadcasting', operands: ['a', 'b'], results: 1, attrs: { fused_activation: fusedActivation }, infer: binary }),
  sub: defineOp({ summary: 'a − b, broadcasting', operands: ['a', 'b'], results: 1, attrs: { fused_activation: fusedActivation }, infer: binary }),
  mul: defineOp({ summary: 'a × b, broadcasting', operands: ['a', 'b'], results: 1, attrs: { fused_activation: fusedActivation }, infer: binary }),
  div: defineOp({ summary: 'a ÷ b, broadcasting (TFLite DIV: float only, TFLite has no int8 kernel for it)', operands: ['a', 'b'], results: 1, attrs: { fused_activation: fusedActivation }, infer: binary }),
  minimum: defineOp({ summary: 'min(a, b), broadcasting (TFLite MINIMUM; a ReLU with a max_value other than 6)', operands: ['a', 'b'], results: 1, attrs: {}, infer: binary }),
  concatenation: defineOp({
    summary: 'concatenate along an axis',
    operands: ['inputs...'],
    results: 1,
    attrs: { axis: int(), fused_activation: fusedActivation },
    infer(inputs, a) {
      const rank = inputs[0].shape.length;
      const axis = normalizeAxis(a.axis, rank);
      let total = 0;
      for (const t of inputs) {
        if (t.shape.length !== rank || t.shape.some((d, i) => i !== axis && d !== inputs[0].shape[i])) {
          fail(`inputs ${inputs.map((x) => fmt(x.shape)).join(', ')} differ outside axis ${a.axis}`);
        }
        total += t.shape[axis];
      }
      const shape = [...inputs[0].shape];
      shape[axis] = total;
      return [{ shape, dtype: inputs[0].dtype }];
    },
  }),
  relu: unary('max(x, 0)'),
  relu6: unary('min(max(x, 0), 6)'),
  logistic: unary('1 / (1 + exp(−x))'),
  tanh: unary('tanh(x)'),
  softmax: defineOp({ summary: 'softmax over the last axis: exp(β·x) / Σ exp(β·x)', operands: ['input'], results: 1, attrs: { beta: float(1) }, infer: same }),
  resize_nearest_neighbor: defineOp({
    summary: 'NHWC nearest-neighbour resize to size [h, w]',
    operands: ['input'],
    results: 1,
    attrs: { size: ints(), align_corners: bool(false), half_pixel_centers: bool(false) },
    infer([input], a) {
      expectRank('input', input, 4);
      if (a.size.length !== 2 || a.size.some((d) => d < 1)) fail(`size must be [h, w] with positive entries, got ${fmt(a.size)}`);
      const [n, , , c] = input.shape;
      return [{ shape: [n, a.size[0], a.size[1], c], dtype: input.dtype }];
    },
  }),
  transpose: defineOp({
    summary: 'permute dimensions: out.shape[i] = in.shape[perm[i]]',
    operands: ['input'],
    results: 1,
    attrs: { perm: ints() },
    infer([input], a) {
      const rank = input.shape.length;
      const sorted = [...a.perm].sort((x, y) => x - y);
      if (a.perm.length !== rank || sorted.some((p, i) => p !== i)) fail(`perm ${fmt(a.perm)} is not a permutation of 0..${rank - 1}`);
      return [{ shape: a.perm.map((p) => input.shape[p]), dtype: input.dtype }];
    },
  }),
  quantize: defineOp({
    summary: 'float → integer, or integer → integer with new parameters; the result type carries the parameters',
    operands: ['input'],
    results: 1,
    attrs: {},
    infer: ([input]) => [{ shape: [...input.shape] }],
  }),
  dequantize: defineOp({
    summary: 'integer or float16 → float32',
    operands: ['input'],
    results: 1,
    attrs: {},
    infer: ([input]) => [{ shape: [...input.shape], dtype: 'float32' }],
  }),
  batch_norm: defineOp({
    summary: 'γ·(x − μ)/√(σ² + ε) + β over the last axis (IR only: folded away)',
    operands: ['input', 'gamma', 'beta', 'mean', 'variance'],
    results: 1,
    attrs: { epsilon: float() },
    irOnly: true,
    infer(inputs) {
      const [input] = inputs;
      const c = input.shape[input.shape.length - 1];
      for (const [i, name] of ['gamma', 'beta', 'mean', 'variance'].entries()) {
        const t = inputs[i + 1];
        if (t.shape.length !== 1 || t.shape[0] !== c) fail(`${name} must have shape [${c}], got ${fmt(t.shape)}`);
      }
      return same(inputs);
    },
  }),
  fake_quant: defineOp({
    summary: 'quantize-dequantize with a fixed range (IR only: folded into quantization parameters)',
    operands: ['input'],
    results: 1,
    attrs: { min: float(), max: float(), num_bits: int(8), narrow_range: bool(false) },
    irOnly: true,
    infer(inputs, a) {
      if (!(a.min <= a.max)) fail(`min ${a.min} must not exceed max ${a.max}`);
      if (a.num_bits < 2 || a.num_bits > 16) fail(`num_bits must be in [2, 16], got ${a.num_bits}`);
      return same(inputs);
    },
  }),
  identity: defineOp({ summary: 'x (Identity, Dropout; IR only: removed)', operands: ['input'], results: 1, attrs: {}, irOnly: true, infer: same }),
} as const satisfies Record<string, OpDef<any>>;

export type OpKind = keyof typeof OPS;
export type AttrsOf<K extends OpKind> = AttrsFromSchema<(typeof OPS)[K]['attrs']>;
export const OP_KINDS = Object.keys(OPS) as OpKind[];

export function isOpKind(s: string): s is OpKind {
  return Object.prototype.hasOwnProperty.call(OPS, s);
}

export function opDef(kind: OpKind): OpDef {
  return OPS[kind] as unknown as OpDef;
}
