import type { AttrSchema, AttrsFromSchema } from './attrs.ts';
import type { DType } from './dtype.ts';
import type { TensorType } from './types.ts';

/** What shape/type inference returns for one result: the shape always, the dtype where the op fixes it. */
export interface InferredType {
  shape: number[];
  /** Omitted where the result's dtype is not implied by the operands (quantize). */
  dtype?: DType;
}

/**
 * One op kind, declared once. `operands` names the inputs in order; a trailing `?` marks an optional
 * operand (only trailing operands may be optional), a trailing `...` a variadic one.
 */
export interface OpDef<S extends AttrSchema = AttrSchema> {
  readonly summary: string;
  readonly operands: readonly string[];
  readonly results: number;
  readonly attrs: S;
  /** Checks operand types and attributes and returns the result types; throws IrError with the problem. */
  readonly infer: (inputs: readonly TensorType[], attrs: AttrsFromSchema<S>) => InferredType[];
  /** True for ops that only exist inside the compiler and must be removed before emission. */
  readonly irOnly?: boolean;
}

export function defineOp<const S extends AttrSchema>(def: OpDef<S>): OpDef<S> {
  return def;
}

/** Minimum and maximum operand counts allowed by an operand list. */
export function operandArity(operands: readonly string[]): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (const o of operands) {
    if (o.endsWith('...')) return { min: min + 1, max: Infinity };
    max++;
    if (!o.endsWith('?')) min = max;
  }
  return { min, max };
}
