import type { Diagnostic } from './diagnostics.ts';
import type { DType } from './dtype.ts';
import { isConst, type Graph, type Op, type Value } from './graph.ts';
import type { OpKind } from './ops.ts';
import { formatFloat32, printQuant } from './print.ts';
import type { QuantParams, TensorType } from './types.ts';
import { isUnsupported, unsupported, type Unsupported } from './unsupported.ts';

/**
 * The int8 invariants of a quantized graph (the TFLite int8 spec, DESIGN.md §4), checked op by op
 * from an exhaustive table. Used on graphs the passes make (verify-each) and on graphs read back from
 * .tflite files (`checkFile` in @octet/tflite): LiteRT runs some violations silently, with garbage.
 * Each problem names the rule it breaks, so that tests and tools can tell them apart.
 */
export const QUANT_RULE_IDS = [
  /** A quantized tensor's zero point outside its dtype's range. */
  'zero-point-range',
  /** An integer activation without parameters, or quantized per axis. */
  'activation-params',
  /** Weights of an int8 convolution that are not int8 with parameters. */
  'weight-type',
  /** Weights with a nonzero zero point (int8 weights are symmetric). */
  'weight-zero-point',
  /** Weights holding −128 (int8 weights lie in [−127, 127]). */
  'weight-range',
  /** Weights quantized per axis along another dimension than the kernel's channel dimension. */
  'weight-axis',
  /** A bias that is not int32 (int64 for int16 activations) with parameters. */
  'bias-type',
  'bias-zero-point',
  /** bias scale ≠ float32(input scale × weight scale[c]). */
  'bias-scale',
  /** A data-movement or pooling op whose result does not share its input's scale and zero point. */
  'same-scale',
  /** softmax, logistic, tanh with other output parameters than the kernel's fixed ones. */
  'fixed-scale',
  /** A quantize or dequantize between dtypes TFLite does not convert between. */
  'quantize-types',
  /** An integer tensor on an op that has no integer kernel. */
  'int8-kernel',
] as const;
export type QuantRuleId = (typeof QUANT_RULE_IDS)[number];

export interface QuantDiagnostic extends Diagnostic {
  rule: QuantRuleId;
}

type Report = (rule: QuantRuleId, problem: string) => void;

/** How one op kind is checked once it computes on integers. */
interface QuantRule<K extends OpKind> {
  /** Operands that hold parameters (weights, bias) rather than activations: exempt from the per-tensor rule. */
  readonly params?: readonly number[];
  /** False for quantize/dequantize, whose operands change representation (they check their own). */
  readonly activations?: false;
  readonly check?: (op: Op<K>, report: Report) => void;
}

type QuantTable = { readonly [K in OpKind]: QuantRule<K> | Unsupported };

/** Integer dtypes that carry affine parameters as activations. */
const QUANTIZED: ReadonlySet<DType> = new Set(['int8', 'uint8', 'int16']);
const isQuantized = (v: Value | TensorType): boolean => QUANTIZED.has(('type' in v ? v.type : v).dtype);

/** Zero-point ranges by dtype; int32/int64 (biases) have their own rule. */
const ZERO_POINT_RANGE: Partial<Record<DType, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
};

/** The int32 bias of an int8 kernel accumulates in int32; of an int16 (16x8) kernel, in int64. */
const BIAS_DTYPE: Partial<Record<DType, DType>> = { int8: 'int32', int16: 'int64' };

const WEIGHT_MIN = -127;

function describeOpForQuant(op: Op): string {
  return `'${op.kind}' op${op.loc ? ` (from '${op.loc}')` : ''}`;
}

function describeValue(v: Value): string {
  if (v.producer) return `${describeOpForQuant(v.producer)} result`;
  if (isConst(v)) return `constant ${v.name !== undefined ? `'${v.name}'` : `${v.type.dtype}[${v.type.shape.join(',')}]`}`;
  return `input '${v.name ?? '?'}'`;
}

const q = (p: QuantParams | undefined) => (p ? printQuant(p) : 'no parameters');

/**
 * bias = Σ over the channels of the kernel: the bias's scale must be float32(s_in × s_w[c]) bit for
 * bit, its zero point 0, its dtype int32 (int64 for int16 input). `bias` is a type so that a caller
 * holding a bias outside the IR (a file's zero bias, which the reader drops) checks it the same way.
 */
export function biasProblems(op: Op<'conv_2d' | 'depthwise_conv_2d' | 'fully_connected'>, bias: TensorType): QuantDiagnostic[] {
  const out: QuantDiagnostic[] = [];
  const where = describeOpForQuant(op);
  checkBias(op, bias, (rule, problem) => out.push({ rule, message: `${where} ${problem}`, op }));
  return out;
}

function checkBias(op: Op<'conv_2d' | 'depthwise_conv_2d' | 'fully_connected'>, bias: TensorType, report: Report): void {
  const [x, w] = op.inputs;
  const want = BIAS_DTYPE[x.type.dtype];
  if (!want) return;
  if (bias.dtype !== want) {
    report('bias-type', `has a ${bias.dtype} bias for ${x.type.dtype} input: the bias must be ${want} (scale input scale × weight scale, zero point 0)`);
    return;
  }
  const b = bias.quant;
  if (!b) {
    report('bias-type', `has a ${want} bias without quantization parameters: give it scale input scale × weight scale[c] and zero point 0`);
    return;
  }
  const nonzero = b.zeroPoint.filter((z) => z !== 0);
  if (nonzero.length) report('bias-zero-point', `bias has zero point ${nonzero[0]}${nonzero.length > 1 ? ` (and ${nonzero.length - 1} more)` : ''}: bias zero points must be 0`);
  const sIn = x.type.quant?.scale;
  const sW = w.type.quant?.scale;
  if (!sIn || sIn.length !== 1 || !sW) return; // activation-params / weight-type say why
  const channels = w.type.shape[op.kind === 'depthwise_conv_2d' ? 3 : 0];
  let first: { c: number; got: number; expected: number } | undefined;
  let count = 0;
  for (let c = 0; c < channels; c++) {
    // Per-tensor weight (or bias) scales broadcast over the channels.
    const sw = sW.length === 1 ? sW[0] : sW[c];
    const sb = b.scale.length === 1 ? b.scale[0] : b.scale[c];
    if (sw === undefined || sb === undefined) continue; // a length mismatch is the verifier's to report
    const expected = Math.fround(sIn[0] * sw);
    if (sb !== expected) {
      count++;
      first ??= { c, got: sb, expected };
    }
  }
  if (first) {
    const which = sW.length === 1 ? 'weight scale' : `weight scale[${first.c}]`;
    const more = count > 1 ? ` (and ${count - 1} more channel${count > 2 ? 's' : ''})` : '';
    report('bias-scale', `bias scale ${formatFloat32(first.got)} ≠ input scale × ${which} = ${formatFloat32(first.expected)}${more}: requantize the bias`);
  }
}

/**
 * conv_2d, depthwise_conv_2d, fully_connected: int8 symmetric weights, per tensor or per axis along
 * the output-channel dimension (`axis`); with integer input, an int32 bias at s_in × s_w[c]. Float
 * input with int8 weights (hybrid, dynamic range) checks the weights only.
 */
const weighted = (axis: number): QuantRule<'conv_2d' | 'depthwise_conv_2d' | 'fully_connected'> => ({
  params: [1, 2],
  check(op, report) {
    const [x, w, bias] = op.inputs;
    const integerInput = isQuantized(x);
    if (!integerInput && w.type.dtype !== 'int8') return; // float
    if (w.type.dtype !== 'int8' || !w.type.quant) {
      report('weight-type', `has ${x.type.dtype} input and ${w.type.dtype} weights${w.type.quant ? '' : ' without parameters'}: quantize the weights to int8 (symmetric, per channel along dimension ${axis})`);
      return;
    }
    const wq = w.type.quant;
    const nonzero = wq.zeroPoint.filter((z) => z !== 0);
    if (nonzero.length) report('weight-zero-point', `weights have zero point ${nonzero[0]}${nonzero.length > 1 ? ` (and ${nonzero.length - 1} more)` : ''}: int8 weights are symmetric, every zero point must be 0`);
    if (wq.axis !== undefined && wq.axis !== axis) {
      report('weight-axis', `weights are quantized along dimension ${wq.axis}: TFLite's ${op.kind} reads per-channel scales along dimension ${axis} (or one scale)`);
    }
    if (w.data instanceof Int8Array) {
      let low = 0;
      for (let i = 0; i < w.data.length; i++) if (w.data[i] < WEIGHT_MIN) low++;
      if (low) report('weight-range', `weights hold −128 (${low} value${low > 1 ? 's' : ''}): int8 weights lie in [−127, 127]; requantize them`);
    }
    if (integerInput && bias) checkBias(op, bias.type, report);
  },
});

/** Pure data movement or pooling: the kernel copies (or averages) int8 values, so parameters pass through. */
const sameScale = (all: boolean): QuantRule<OpKind> => ({
  check(op, report) {
    const y = op.outputs[0];
    if (!isQuantized(y) || !y.type.quant) return;
    const inputs = all ? op.inputs : op.inputs.slice(0, 1);
    inputs.forEach((x, i) => {
      if (!isQuantized(x) || !x.type.quant) return;
      const [a, b] = [x.type.quant, y.type.quant!];
      if (a.scale[0] !== b.scale[0] || a.zeroPoint[0] !== b.zeroPoint[0]) {
        const which = all ? `input ${i}` : 'its input';
        report('same-scale', `result has ${q(b)}, ${which} ${q(a)}: a ${op.kind} passes int8 values through, so ${all ? 'every input and the result' : 'its input and result'} must share one scale and zero point; requantize ${all ? 'the inputs' : 'the result'}`);
      }
    });
  },
});

/** Output parameters TFLite's integer kernels fix, by output dtype (uint8 = int8 shifted by 128). */
const fixedScale = (fixed: Partial<Record<DType, readonly [number, number]>>): QuantRule<OpKind> => ({
  check(op, report) {
    const y = op.outputs[0];
    const want = fixed[y.type.dtype];
    const p = y.type.quant;
    if (!want || !p) return;
    if (p.scale[0] !== want[0] || p.zeroPoint[0] !== want[1]) {
      report('fixed-scale', `result has ${q(p)}: TFLite's ${y.type.dtype} ${op.kind} writes ${q({ scale: [want[0]], zeroPoint: [want[1]] })}; give the result those parameters`);
    }
  },
});

/** Conversions TFLite's QUANTIZE performs: float → integer, and requantization between integer types. */
const QUANTIZE_PAIRS: ReadonlySet<string> = new Set(['float32>int8', 'float32>uint8', 'float32>int16', 'int8>int8', 'int8>uint8', 'uint8>int8', 'uint8>uint8', 'int16>int16', 'int16>int8']);
const DEQUANTIZE_FROM: ReadonlySet<DType> = new Set(['int8', 'uint8', 'int16', 'float16']);

const none: QuantRule<OpKind> = {};
const irOnly = (pass: string) => unsupported(`it exists only inside the compiler (${pass} removes it) and has no integer kernel`);

/** Every op kind: how it is checked when it computes on integers, or why it cannot. */
export const QUANT_RULES = {
  conv_2d: weighted(0),
  depthwise_conv_2d: weighted(3),
  fully_connected: weighted(0),
  max_pool_2d: sameScale(false),
  average_pool_2d: sameScale(false),
  // Own range: the kernel requantizes (mean, elementwise, relu: TFLite allows any output parameters).
  mean: none,
  reshape: sameScale(false),
  pad: sameScale(false),
  add: none,
  sub: none,
  mul: none,
  div: unsupported('TFLite has no int8 DIV kernel: keep it float (float-fallback wraps it in dequantize/quantize)'),
  minimum: sameScale(true),
  concatenation: sameScale(true),
  relu: none,
  relu6: none,
  logistic: fixedScale({ int8: [1 / 256, -128], uint8: [1 / 256, 0], int16: [1 / 32768, 0] }),
  tanh: fixedScale({ int8: [1 / 128, 0], uint8: [1 / 128, 128], int16: [1 / 32768, 0] }),
  softmax: fixedScale({ int8: [1 / 256, -128], uint8: [1 / 256, 0], int16: [1 / 32768, 0] }),
  resize_nearest_neighbor: sameScale(false),
  transpose: sameScale(false),
  quantize: {
    activations: false,
    check(op, report) {
      const [x, y] = [op.inputs[0].type, op.outputs[0].type];
      if (!QUANTIZE_PAIRS.has(`${x.dtype}>${y.dtype}`)) {
        report('quantize-types', `converts ${x.dtype} to ${y.dtype}: TFLite's QUANTIZE goes from float32 to int8, uint8 or int16, or between int8 and uint8 (and int16 to int8)`);
        return;
      }
      if (!y.quant) report('activation-params', `result (${y.dtype}) has no quantization parameters: a quantize's result type carries them`);
      if (x.dtype !== 'float32' && !x.quant) report('activation-params', `input (${x.dtype}) has no quantization parameters: requantizing needs the input's scale and zero point`);
    },
  },
  dequantize: {
    activations: false,
    check(op, report) {
      const x = op.inputs[0].type;
      if (!DEQUANTIZE_FROM.has(x.dtype)) report('quantize-types', `converts ${x.dtype} to float32: TFLite's DEQUANTIZE reads int8, uint8, int16 or float16`);
      else if (x.dtype !== 'float16' && !x.quant) report('activation-params', `input (${x.dtype}) has no quantization parameters: dequantizing needs its scale and zero point`);
    },
  },
  batch_norm: irOnly('fold-batch-norm'),
  fake_quant: irOnly('fold-fake-quant'),
  identity: irOnly('remove-identity'),
} satisfies QuantTable;

/** Every int8 invariant the graph breaks, all at once; [] for a float graph or a sound quantized one. */
export function quantizationProblems(graph: Graph): QuantDiagnostic[] {
  const out: QuantDiagnostic[] = [];
  checkZeroPoints(graph, out);
  for (const op of graph.ops) {
    const where = describeOpForQuant(op);
    const report: Report = (rule, problem) => out.push({ rule, message: `${where} ${problem}`, op });
    const rule = QUANT_RULES[op.kind] as QuantRule<OpKind> | Unsupported;
    if (isUnsupported(rule)) {
      const v = [...op.inputs, ...op.outputs].find(isQuantized);
      if (v) report('int8-kernel', `has ${v.type.dtype} ${op.outputs.includes(v) ? 'results' : 'operands'}, but ${rule.unsupported}`);
      continue;
    }
    if (rule.activations !== false) {
      const activations = [...op.inputs.filter((_, i) => !rule.params?.includes(i)), ...op.outputs];
      for (const v of new Set(activations)) {
        if (!isQuantized(v)) continue;
        const what = op.outputs.includes(v) ? 'result' : `operand ${op.inputs.indexOf(v)}`;
        if (!v.type.quant) report('activation-params', `${what} (${v.type.dtype}) has no quantization parameters: integer activations need a scale and zero point`);
        else if (v.type.quant.axis !== undefined) report('activation-params', `${what} is quantized along axis ${v.type.quant.axis}: activations are per tensor (one scale, one zero point)`);
      }
    }
    rule.check?.(op as never, report);
  }
  return out;
}

/** Each quantized value once: its zero points inside its dtype's range. */
function checkZeroPoints(graph: Graph, out: QuantDiagnostic[]): void {
  const values = new Set<Value>([...graph.inputs, ...graph.constants(), ...graph.ops.flatMap((op) => op.outputs)]);
  for (const v of values) {
    const range = ZERO_POINT_RANGE[v.type.dtype];
    const p = v.type.quant;
    if (!range || !p) continue;
    const bad = p.zeroPoint.find((z) => z < range[0] || z > range[1]);
    if (bad === undefined) continue;
    out.push({
      rule: 'zero-point-range',
      message: `${describeValue(v)} has zero point ${bad}, outside ${v.type.dtype} [${range[0]}, ${range[1]}]: a zero point is a value of the tensor's type; recompute the parameters`,
      ...(v.producer ? { op: v.producer } : {}),
    });
  }
}
