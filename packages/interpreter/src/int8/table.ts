import { unsupported } from '@octet/ir';
import { dequantize } from '../convert.ts';
import type { KernelTable } from '../kernel.ts';

const LATER = unsupported('integer kernels with TFLite arithmetic (xnnpack and reference modes) are not written yet: run the float graph');
const IR_ONLY = unsupported('IR-only op on integer tensors: run the canonicalization passes before quantizing');

/**
 * Kernels for ops whose first operand is an integer tensor (int8, uint8, int16, int32). For now
 * only the conversion back to float; the int8 kernels of ARITHMETIC.md fill the other entries.
 */
export const int8Kernels = {
  conv_2d: LATER,
  depthwise_conv_2d: LATER,
  fully_connected: LATER,
  max_pool_2d: LATER,
  average_pool_2d: LATER,
  mean: LATER,
  reshape: LATER,
  pad: LATER,
  add: LATER,
  sub: LATER,
  mul: LATER,
  div: unsupported('TFLite has no int8 DIV kernel'),
  minimum: LATER,
  concatenation: LATER,
  relu: LATER,
  relu6: LATER,
  logistic: LATER,
  tanh: LATER,
  softmax: LATER,
  resize_nearest_neighbor: LATER,
  transpose: LATER,
  quantize: unsupported('integer → integer requantization is not written yet: quantize from float32'),
  dequantize,
  batch_norm: IR_ONLY,
  fake_quant: IR_ONLY,
  identity: IR_ONLY,
} as const satisfies KernelTable;
