import { IrParseError, OctetError, sourcePosition, type Diagnostic, type Op } from '@octet/ir';
import type { ExpectedDiagnostic, GoldenProblem } from './golden-file.ts';

/** A diagnostic the compiler produced, at the file line of its op (or of the parse error) when known. */
export interface ProducedDiagnostic {
  line?: number;
  message: string;
}

const lineOf = (op: Op | undefined): number | undefined => (op ? sourcePosition(op)?.line : undefined);

/**
 * The diagnostics an error carries: a parse error at its line; each diagnostic of a DiagnosticError
 * (or of any OctetError with a `diagnostics` list) at its op's source line; any other OctetError as
 * one diagnostic, at the line of the op it carries as `op`, if any. Undefined for an error that is
 * not an OctetError: that is a crash, not a diagnostic.
 */
export function diagnosticsOf(e: unknown): ProducedDiagnostic[] | undefined {
  if (e instanceof IrParseError) return [{ line: e.line, message: e.detail }];
  if (!(e instanceof OctetError)) return undefined;
  const { diagnostics, op } = e as OctetError & { diagnostics?: unknown; op?: Op };
  if (Array.isArray(diagnostics)) {
    return (diagnostics as Diagnostic[]).map((d) => ({ message: d.message, ...withLine(lineOf(d.op)) }));
  }
  return [{ message: e.message, ...withLine(lineOf(op)) }];
}

const withLine = (line: number | undefined) => (line !== undefined ? { line } : {});

const fits = (e: ExpectedDiagnostic, p: ProducedDiagnostic) =>
  (e.target === 'unknown' ? p.line === undefined : p.line === e.target) && p.message.includes(e.message);

/**
 * Pairs expected and produced diagnostics one to one (a bipartite matching, so that a loose
 * expectation cannot steal the only diagnostic a stricter one fits) and reports the leftovers on both sides.
 */
export function matchDiagnostics(expected: readonly ExpectedDiagnostic[], produced: readonly ProducedDiagnostic[]): GoldenProblem[] {
  const owner = new Array<number>(produced.length).fill(-1);
  const tryAssign = (ei: number, seen: boolean[]): boolean => {
    for (let pi = 0; pi < produced.length; pi++) {
      if (seen[pi] || !fits(expected[ei], produced[pi])) continue;
      seen[pi] = true;
      if (owner[pi] < 0 || tryAssign(owner[pi], seen)) {
        owner[pi] = ei;
        return true;
      }
    }
    return false;
  };
  const problems: GoldenProblem[] = [];
  expected.forEach((e, ei) => {
    if (tryAssign(ei, new Array<boolean>(produced.length).fill(false))) return;
    const where = e.target === 'unknown' ? 'with no source line' : `at line ${e.target}`;
    const there = produced.filter((p) => (e.target === 'unknown' ? p.line === undefined : p.line === e.target));
    problems.push({
      line: e.line,
      message: `expected error ${where} was not produced: {{${e.message}}}`,
      ...(there.length ? { detail: there.map((p) => `  produced there: ${p.message}`).join('\n') } : {}),
    });
  });
  produced.forEach((p, pi) => {
    if (owner[pi] >= 0) return;
    problems.push({
      ...withLine(p.line),
      message: `unexpected error${p.line === undefined ? ' (no source line: expect it with expected-error@unknown)' : ''}: ${p.message}`,
    });
  });
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
