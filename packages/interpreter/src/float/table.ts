import type { KernelTable } from '../kernel.ts';
import { dequantize, quantize } from '../convert.ts';
import { conv2d, depthwiseConv2d, fullyConnected } from './conv.ts';
import { add, batchNorm, div, identity, logistic, minimum, mul, relu, relu6, sub, tanh } from './elementwise.ts';
import { fakeQuant } from './fake-quant.ts';
import { concatenation, pad, reshape, resizeNearestNeighbor, transpose } from './layout.ts';
import { averagePool2d, maxPool2d } from './pool.ts';
import { mean, softmax } from './reduce.ts';

/** The reference float32 kernels: ops whose first operand is float32 or float16. */
export const floatKernels = {
  conv_2d: conv2d,
  depthwise_conv_2d: depthwiseConv2d,
  fully_connected: fullyConnected,
  max_pool_2d: maxPool2d,
  average_pool_2d: averagePool2d,
  mean,
  reshape,
  pad,
  add,
  sub,
  mul,
  div,
  minimum,
  concatenation,
  relu,
  relu6,
  logistic,
  tanh,
  softmax,
  resize_nearest_neighbor: resizeNearestNeighbor,
  transpose,
  quantize,
  dequantize,
  batch_norm: batchNorm,
  fake_quant: fakeQuant,
  identity,
} as const satisfies KernelTable;
