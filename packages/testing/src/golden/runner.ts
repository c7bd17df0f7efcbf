import { OctetError, parse, print, verify, type Graph } from '@octet/ir';
import { parseDirectives, type CheckError } from '../filecheck/directives.ts';
import { checkErrorSummary, fileCheck } from '../filecheck/filecheck.ts';
import { diagnosticsOf, matchDiagnostics, type ProducedDiagnostic } from './diagnostics.ts';
import type { GoldenCase, GoldenFile, GoldenProblem } from './golden-file.ts';

/** What the runner runs a case through: `runPipeline` of @octet/passes, or a stand-in in tests. */
export type Pipeline = (graph: Graph, names: string[], opts: { verifyEach?: boolean }) => Graph;

/** Runs no pass: for golden files whose RUN line names none, and for the runner's own tests. */
export const identityPipeline: Pipeline = (graph, names) => {
  if (names.length) throw new OctetError(`identity pipeline runs no passes, got --passes ${names.join(',')}: use runPipeline from @octet/passes`);
  return graph;
};

/**
 * The pipeline for a RUN line: `runPipeline` from @octet/passes, imported on first use (so that the
 * checker and the runner's own tests load no pass); the identity when no pass is named.
 */
export async function loadPipeline(passes: readonly string[]): Promise<Pipeline> {
  if (passes.length === 0) return identityPipeline;
  const { runPipeline } = await import('@octet/passes');
  return runPipeline;
}

export interface CaseResult {
  path: string;
  index: number;
  firstLine: number;
  ok: boolean;
  problems: GoldenProblem[];
  /** The printed result, when the case got that far. */
  output?: string;
}

/**
 * Runs one case: parse (at the file's line numbers), verify, the RUN line's passes with the verifier
 * after each, verify, print; then checks the diagnostics against the expected-error lines and the
 * output against the CHECK lines.
 */
export function runGoldenCase(file: GoldenFile, c: GoldenCase, pipeline: Pipeline): CaseResult {
  const result = (problems: GoldenProblem[], output?: string): CaseResult => ({
    path: file.path,
    index: c.index,
    firstLine: c.firstLine,
    ok: problems.length === 0,
    problems,
    ...(output !== undefined ? { output } : {}),
  });
  const checks = parseDirectives(c.source);
  const problems: GoldenProblem[] = [...c.problems, ...checks.errors.map(checkProblem)];
  let produced: ProducedDiagnostic[] = [];
  let output: string | undefined;
  try {
    const input = parse(c.source);
    verify(input);
    const out = pipeline(input, file.run.passes, { verifyEach: true });
    verify(out);
    output = print(out, { elideConstantsAbove: file.run.elideConstantsAbove });
  } catch (e) {
    const diags = diagnosticsOf(e);
    if (!diags) {
      return result([...problems, { line: c.firstLine, message: `crashed: ${e instanceof Error ? e.message : String(e)}`, detail: e instanceof Error ? e.stack : undefined }]);
    }
    produced = diags;
  }
  problems.push(...matchDiagnostics(c.expected, produced));
  if (checks.directives.length && checks.errors.length === 0) {
    if (output === undefined) {
      problems.push({ line: checks.directives[0].line, message: 'CHECK lines need the printed result, but the case failed with the errors above' });
    } else {
      problems.push(...fileCheck(checks.directives, output).errors.map(checkProblem));
    }
  }
  return result(problems, output);
}

function checkProblem(e: CheckError): GoldenProblem {
  return { ...(e.line > 0 ? { line: e.line } : {}), message: checkErrorSummary(e), ...(e.context ? { detail: e.context } : {}) };
}

/** Runs every case of a file. */
export function runGoldenFile(file: GoldenFile, pipeline: Pipeline): CaseResult[] {
  return file.cases.map((c) => runGoldenCase(file, c, pipeline));
}

/** `path:line: message` for each problem, with its excerpt, then the printed output when there is one. */
export function formatCaseResult(r: CaseResult): string {
  const lines = [`${r.path}: case ${r.index} (line ${r.firstLine}) ${r.ok ? 'passed' : 'failed'}`];
  for (const p of r.problems) {
    lines.push(`${r.path}:${p.line ?? r.firstLine}: ${p.message}`);
    if (p.detail) lines.push(p.detail);
  }
  if (!r.ok && r.output !== undefined) lines.push('output:', r.output.replace(/\n$/, ''));
  return lines.join('\n');
}
