import type { Activation, DType } from '@octet/ir';
import { ActivationFunctionType, BuiltinOperatorNames, Padding, TensorType, TensorTypeNames } from './generated/tflite.ts';

/** Each IR dtype as a TFLite TensorType. */
export const TENSOR_TYPE_OF = {
  float32: TensorType.FLOAT32,
  float16: TensorType.FLOAT16,
  int32: TensorType.INT32,
  int16: TensorType.INT16,
  int8: TensorType.INT8,
  uint8: TensorType.UINT8,
  int64: TensorType.INT64,
  bool: TensorType.BOOL,
} as const satisfies Record<DType, TensorType>;

const DTYPE_OF = new Map<number, DType>(Object.entries(TENSOR_TYPE_OF).map(([d, t]) => [t, d as DType]));

/** The IR dtype of a TFLite TensorType, or undefined for types the IR lacks (string, float64, ...). */
export function dtypeOfTensorType(t: number): DType | undefined {
  return DTYPE_OF.get(t);
}

export function tensorTypeName(t: number): string {
  return TensorTypeNames[t] ?? `TensorType ${t}`;
}

export function builtinName(code: number): string {
  return BuiltinOperatorNames[code] ?? `BuiltinOperator ${code}`;
}

export const ACTIVATION_OF = {
  none: ActivationFunctionType.NONE,
  relu: ActivationFunctionType.RELU,
  relu_n1_to_1: ActivationFunctionType.RELU_N1_TO_1,
  relu6: ActivationFunctionType.RELU6,
} as const satisfies Record<Activation, ActivationFunctionType>;

const ACTIVATION_BY_CODE = new Map<number, Activation>(Object.entries(ACTIVATION_OF).map(([a, c]) => [c, a as Activation]));

export function activationOfCode(code: number): Activation | undefined {
  return ACTIVATION_BY_CODE.get(code);
}

export const PADDING_OF = { same: Padding.SAME, valid: Padding.VALID } as const;

export function paddingOfCode(code: number): 'same' | 'valid' | undefined {
  return code === Padding.SAME ? 'same' : code === Padding.VALID ? 'valid' : undefined;
}
