import { OPS, type Activation, type Op, type OpKind, type Value } from '@octet/ir';

/** The data of a plain float32 constant (not quantized, not elided), or undefined. */
export function floatConst(v: Value | undefined): Float32Array | undefined {
  if (!v || v.type.dtype !== 'float32' || v.type.quant || !(v.data instanceof Float32Array)) return undefined;
  return v.data;
}

/** Whether ops of this kind carry a `fused_activation` attribute (read from the op registry). */
export function hasFusedActivation(kind: OpKind): boolean {
  return 'fused_activation' in OPS[kind].attrs;
}

/** The op's fused activation, or undefined when its kind has none. */
export function fusedActivation(op: Op): Activation | undefined {
  return hasFusedActivation(op.kind) ? (op.attrs as { fused_activation: Activation }).fused_activation : undefined;
}
