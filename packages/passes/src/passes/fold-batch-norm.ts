import { cloneType, DiagnosticError, stridesOf, type Diagnostic, type Op, type TensorType } from '@octet/ir';
import { floatConst } from '../match.ts';
import { definePass } from '../pass.ts';
import { applyPatterns, describeOp, type Pattern } from '../rewriter.ts';

// The weight axis that holds each producer's output channels (TFLite layouts: OHWI, [1,H,W,C·M], [out,in]).
const CHANNEL_AXIS = { conv_2d: 0, depthwise_conv_2d: 3, fully_connected: 0 } as const;
type Producer = Op<keyof typeof CHANNEL_AXIS>;

function isProducer(op: Op | undefined): op is Producer {
  return op !== undefined && Object.hasOwn(CHANNEL_AXIS, op.kind);
}

const STATS = ['gamma', 'beta', 'mean', 'variance'] as const;

/** Why a batch_norm cannot be rewritten at all (non-constant statistics, non-float input), or undefined. */
function obstacle(bn: Op<'batch_norm'>): string | undefined {
  const x = bn.inputs[0].type;
  if (x.dtype !== 'float32' || x.quant) return `reads a ${x.dtype}${x.quant ? ' quantized' : ''} input: fold batch norms before quantizing`;
  const bad = STATS.filter((_, i) => !floatConst(bn.inputs[i + 1]));
  if (bad.length === 0) return undefined;
  const elided = STATS.filter((_, i) => bn.inputs[i + 1].elided !== undefined);
  return elided.length
    ? `has elided ${elided.join(', ')} (printed without data): print the graph with every constant to fold it`
    : `has non-constant ${bad.join(', ')}: fold-batch-norm needs float32 constant statistics; import the model with its weights`;
}

/** Per channel, in double: s = γ/√(σ² + ε), with β and μ alongside. */
function statistics(bn: Op<'batch_norm'>): { scale: Float64Array; beta: Float32Array; mean: Float32Array } | undefined {
  if (obstacle(bn)) return undefined;
  const [gamma, beta, mean, variance] = bn.inputs.slice(1).map((v) => floatConst(v)!);
  const scale = Float64Array.from(gamma, (g, c) => g / Math.sqrt(variance[c] + bn.attrs.epsilon));
  return { scale, beta, mean };
}

// bn(p(x, w, b)) -> p(x, w·s, (b − μ)·s + β), s = γ/√(σ² + ε) along p's output channels (b = 0 when absent)
const foldIntoProducer: Pattern = (op, rw) => {
  if (op.kind !== 'batch_norm') return undefined;
  const stats = statistics(op);
  const p = op.inputs[0].producer;
  // bn(act(p)) is not affine in p; a second reader (or a graph output) needs p's unscaled result.
  if (!stats || !isProducer(p) || p.attrs.fused_activation !== 'none' || rw.useCount(op.inputs[0]) !== 1) return undefined;
  const [x, w, b] = p.inputs;
  const weights = floatConst(w);
  const bias = b ? floatConst(b) : new Float32Array(stats.scale.length);
  if (!weights || !bias) return undefined;
  const axis = CHANNEL_AXIS[p.kind];
  const stride = stridesOf(w.type.shape)[axis];
  const channels = w.type.shape[axis];
  // Products in double, rounded once to float32 when stored.
  const w2 = Float32Array.from(weights, (wi, i) => wi * stats.scale[Math.floor(i / stride) % channels]);
  const b2 = Float32Array.from(bias, (bc, c) => (bc - stats.mean[c]) * stats.scale[c] + stats.beta[c]);
  const biasType: TensorType = { dtype: 'float32', shape: [channels] };
  const folded = rw.insertCopy(p, { inputs: [x, rw.constant(cloneType(w.type), w2), rw.constant(biasType, b2)] });
  return folded.outputs[0];
};

// bn(x) -> x·s + (β − μ·s), s = γ/√(σ² + ε), broadcast over the last axis
const toMulAdd: Pattern = (op, rw) => {
  if (op.kind !== 'batch_norm') return undefined;
  const stats = statistics(op);
  if (!stats) return undefined;
  const type: TensorType = { dtype: 'float32', shape: [stats.scale.length] };
  const scale = rw.constant(type, Float32Array.from(stats.scale));
  const offset = rw.constant(type, Float32Array.from(stats.scale, (s, c) => stats.beta[c] - stats.mean[c] * s));
  const opts = op.loc !== undefined ? { loc: op.loc } : {};
  const scaled = rw.insert('mul', [op.inputs[0], scale], {}, opts);
  return rw.insert('add', [scaled.outputs[0], offset], {}, opts).outputs[0];
};

export const foldBatchNorm = definePass({
  name: 'fold-batch-norm',
  summary: 'Fold BatchNormalization into the preceding conv_2d / depthwise_conv_2d / fully_connected, else into mul + add',
  description: `%c = conv_2d(%x, %w, %b); %y = batch_norm(%c, %γ, %β, %μ, %σ²) {epsilon = ε}
  ==>  %y = conv_2d(%x, %w', %b')  with s = γ/√(σ² + ε), w' = w·s (per output channel), b' = (b − μ)·s + β
The producer must have no fused activation and no other reader; it gets a bias if it had none.
Otherwise: %y = add(mul(%c, s), β − μ·s). Computed in double, stored as float32.
A batch_norm whose statistics are not float32 constants is an error.`,
  run(graph, ctx) {
    applyPatterns(graph, [foldIntoProducer, toMulAdd], ctx);
    const problems: Diagnostic[] = [];
    for (const op of graph.ops) {
      if (op.kind === 'batch_norm') problems.push({ op, message: `${describeOp(op)} ${obstacle(op) ?? 'could not be folded'}` });
    }
    if (problems.length) throw new DiagnosticError(problems);
  },
});
