import type { Op } from '@octet/ir';
import { requireDtypes } from '../kernel.ts';

/** Float kernels compute float32 only: an int8 or float16 operand is refused, never misread. */
export function floatOnly(op: Op): void {
  requireDtypes(op, 'float', ['float32']);
}
