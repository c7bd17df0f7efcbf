import { isConst, isUnsupported, unsupported, type Op, type OpKind, type OpTable, type Unsupported } from '@octet/ir';
import { FIXED_PARAMS } from './params.ts';

/**
 * Which ops TFLite runs in int8, and how each is quantized (the TFLite int8 spec, DESIGN.md §4).
 * The one table that float-fallback, quantize-activations and check-int8-legality consult: an op
 * kind added to the IR fails to type-check here until it says how it quantizes, or why it cannot.
 */

/** How an int8 op's result gets its parameters. */
export type ResultParams =
  /** Its own range: calibration statistics, or a folded fake_quant. */
  | { readonly from: 'range' }
  /** Input 0's parameters (pure data movement or pooling: the kernel copies or averages int8 values). */
  | { readonly from: 'input' }
  /** Its own range, and every activation operand is requantized to it (concatenation, minimum). */
  | { readonly from: 'shared' }
  /** Fixed by TFLite's kernel. */
  | { readonly from: 'fixed'; readonly scale: number; readonly zeroPoint: number }
  /** A quantize or dequantize: its result type already says. */
  | { readonly from: 'type' };

export interface Int8Rule {
  readonly result: ResultParams;
  /** Constant weights, int8 symmetric per channel along `axis` (quantize-weights makes them). */
  readonly weights?: { readonly operand: number; readonly axis: number };
  /** The int32 bias operand: scale s_in·s_w[c], zero point 0. */
  readonly bias?: number;
  /** Why this op cannot be integer although its kind can; undefined when it can. */
  readonly check?: (op: Op) => string | undefined;
}

const range = { from: 'range' } as const;
const input = { from: 'input' } as const;
const shared = { from: 'shared' } as const;
const fixed = (p: { scale: number; zeroPoint: number }) => ({ from: 'fixed', ...p }) as const;

/** TFLite's int8 convolutions read their weights (and bias) as constants, quantized per channel ahead of time. */
function constantOperands(op: Op): string | undefined {
  const bad = op.inputs.slice(1).filter((v) => !isConst(v));
  return bad.length ? `its ${bad.length === 1 && op.inputs.indexOf(bad[0]) === 2 ? 'bias is' : 'weights are'} computed at run time: TFLite's int8 kernel needs constant weights and bias` : undefined;
}

const weighted = (axis: number): Int8Rule => ({ result: range, weights: { operand: 1, axis }, bias: 2, check: constantOperands });

/** TFLite's int8 CONCATENATION copies bytes: it applies no fused activation. */
function noFusedActivation(op: Op): string | undefined {
  const act = (op.attrs as { fused_activation?: string }).fused_activation;
  return act && act !== 'none' ? `it has fused activation ${act}: TFLite's int8 ${op.kind} takes none` : undefined;
}
const irOnly = (pass: string) => unsupported(`IR-only op: ${pass} removes it before quantization`);

export const INT8_SUPPORT = {
  conv_2d: weighted(0),
  depthwise_conv_2d: weighted(3),
  fully_connected: weighted(0),
  max_pool_2d: { result: input },
  average_pool_2d: { result: input },
  mean: { result: range },
  reshape: { result: input },
  pad: { result: input },
  add: { result: range },
  sub: { result: range },
  mul: { result: range },
  div: unsupported('TFLite has no int8 DIV kernel'),
  minimum: { result: shared },
  concatenation: { result: shared, check: noFusedActivation },
  relu: { result: range },
  relu6: { result: range },
  logistic: { result: fixed(FIXED_PARAMS.logistic) },
  tanh: { result: fixed(FIXED_PARAMS.tanh) },
  softmax: { result: fixed(FIXED_PARAMS.softmax) },
  resize_nearest_neighbor: { result: input },
  transpose: { result: input },
  quantize: { result: { from: 'type' } },
  dequantize: { result: { from: 'type' } },
  batch_norm: irOnly('fold-batch-norm'),
  fake_quant: irOnly('fold-fake-quant'),
  identity: irOnly('remove-identity'),
} as const satisfies OpTable<Int8Rule>;

/** The op's int8 rule, or why it has none (its kind has no int8 kernel, or this op breaks a constraint). */
export function int8Rule(op: Op): Int8Rule | Unsupported {
  const rule: Int8Rule | Unsupported = INT8_SUPPORT[op.kind as OpKind];
  if (isUnsupported(rule)) return rule;
  const problem = rule.check?.(op);
  return problem === undefined ? rule : unsupported(problem);
}
