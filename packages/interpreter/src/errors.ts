import { OctetError, type Op } from '@octet/ir';

/** A graph the interpreter cannot run, or inputs it cannot take. One line, saying what to do. */
export class InterpreterError extends OctetError {
  override name = 'InterpreterError';
}

/** How an op is named in messages: `'conv_2d' op` or `'conv_2d' op (from 'conv2d_1')`. */
export function opWhere(op: Op): string {
  return `'${op.kind}' op${op.loc !== undefined ? ` (from '${op.loc}')` : ''}`;
}
