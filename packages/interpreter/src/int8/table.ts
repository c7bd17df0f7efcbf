import { unsupported, type Op } from '@octet/ir';
import { dequantize, requantize } from '../convert.ts';
import type { Kernel, KernelContext, KernelRun, KernelTable } from '../kernel.ts';
import { addInt8, minimumInt8, mulInt8, subInt8 } from './binary.ts';
import { conv2dInt8, depthwiseConv2dInt8, fullyConnectedInt8 } from './conv.ts';
import { conv2dHybrid, depthwiseConv2dHybrid, fullyConnectedHybrid } from './hybrid.ts';
import { concatenationInt8, padInt8, reshapeInt8, resizeNearestNeighborInt8, transposeInt8 } from './layout.ts';
import { meanInt8 } from './mean.ts';
import { averagePool2dInt8, maxPool2dInt8 } from './pool.ts';
import { softmaxInt8 } from './softmax.ts';
import { logisticInt8, relu6Int8, reluInt8, tanhInt8 } from './unary.ts';

const IR_ONLY = unsupported('IR-only op on integer tensors: run the canonicalization passes before quantizing');

type WeightedKind = 'conv_2d' | 'depthwise_conv_2d' | 'fully_connected';

/** A float32 input with int8 weights is the hybrid (dynamic-range) kernel; int8 input the integer one. */
function byInput<K extends WeightedKind>(int8: (op: Op<K>, ctx: KernelContext) => KernelRun, hybrid: (op: Op<K>, ctx: KernelContext) => KernelRun): Kernel<K> {
  return (op, ctx) => (op.inputs[0].type.dtype === 'float32' ? hybrid(op, ctx) : int8(op, ctx));
}

/**
 * Kernels for ops whose first operand is an integer tensor (int8 activations; uint8 and int16 only
 * through quantize/dequantize), plus the hybrid weighted ops. Each computes what LiteRT computes in
 * `xnnpack` mode and what TFLite's reference kernels compute in `reference` mode (ARITHMETIC.md).
 */
export const int8Kernels = {
  conv_2d: byInput(conv2dInt8, conv2dHybrid),
  depthwise_conv_2d: byInput(depthwiseConv2dInt8, depthwiseConv2dHybrid),
  fully_connected: byInput(fullyConnectedInt8, fullyConnectedHybrid),
  max_pool_2d: maxPool2dInt8,
  average_pool_2d: averagePool2dInt8,
  mean: meanInt8,
  reshape: reshapeInt8,
  pad: padInt8,
  add: addInt8,
  sub: subInt8,
  mul: mulInt8,
  div: unsupported('TFLite has no int8 DIV kernel'),
  minimum: minimumInt8,
  concatenation: concatenationInt8,
  relu: reluInt8,
  relu6: relu6Int8,
  logistic: logisticInt8,
  tanh: tanhInt8,
  softmax: softmaxInt8,
  resize_nearest_neighbor: resizeNearestNeighborInt8,
  transpose: transposeInt8,
  quantize: requantize,
  dequantize,
  batch_norm: IR_ONLY,
  fake_quant: IR_ONLY,
  identity: IR_ONLY,
} as const satisfies KernelTable;
