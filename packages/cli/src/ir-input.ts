import { IrParseError, parse, sourcePosition, type Diagnostic, type Graph } from '@octet/ir';
import { CliError } from './errors.ts';
import type { Input } from './io.ts';

/** Parses IR text; a syntax error reads `<file>:<line>:<col>: <message>`, as compilers print it. */
export function parseIr(input: Input): Graph {
  try {
    return parse(input.text);
  } catch (e) {
    if (e instanceof IrParseError) throw new CliError(`${input.name}:${e.line}:${e.column}: ${e.detail}`);
    throw e;
  }
}

/** One line per problem, located at the op's position in the text when the parser recorded one. */
export function locateDiagnostics(input: Input, diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const pos = d.op && sourcePosition(d.op);
    return pos ? `${input.name}:${pos.line}:${pos.column}: ${d.message}` : `${input.name}: ${d.message}`;
  });
}
