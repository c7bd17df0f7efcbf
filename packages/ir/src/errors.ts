/** Every error Octet raises on purpose is an OctetError: one line, naming what is wrong and what to do. */
export class OctetError extends Error {
  override name = 'OctetError';
}

/** A structural problem in a graph: an op whose operands, attributes or types are inconsistent. */
export class IrError extends OctetError {
  override name = 'IrError';
}

/** Malformed IR text, located by line and column. */
export class IrParseError extends OctetError {
  override name = 'IrParseError';
  constructor(
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${line}:${column}: ${detail}`);
  }
}
