import { OctetError } from './errors.ts';
import type { Op } from './graph.ts';

/** One problem found in a graph, attached to the op it concerns when there is one. */
export interface Diagnostic {
  message: string;
  op?: Op;
}

/** Several problems reported at once (the verifier, the int8 legality check). */
export class DiagnosticError extends OctetError {
  override name = 'DiagnosticError';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join('\n'));
  }
}

export interface SourcePosition {
  line: number;
  column: number;
}

const positions = new WeakMap<Op, SourcePosition>();

/** Where the parser read an op (1-based), for diagnostics in golden tests and in `octet opt`. */
export function sourcePosition(op: Op): SourcePosition | undefined {
  return positions.get(op);
}

export function setSourcePosition(op: Op, pos: SourcePosition): void {
  positions.set(op, pos);
}
