import { OctetError } from '@octet/ir';

/**
 * A golden `.qir` file:
 *
 *   // RUN: octet opt --passes a,b,c [--verify-each] [--elide-constants-above N]
 *   graph @case0(...) { ... }          // CHECK lines and expected-error lines beside it
 *   // -----
 *   graph @case1(...) { ... }
 *
 * Cases without a graph or a directive (a trailing `// -----`) are dropped. Expected diagnostics:
 * `expected-error {{substring}}` (this line), `@+N` / `@-N` (relative), `@N` (absolute file line),
 * `@unknown` (a diagnostic with no source line: no op, or an op a pass created).
 */
export interface GoldenFile {
  path: string;
  run: RunLine;
  cases: GoldenCase[];
}

export interface RunLine {
  passes: string[];
  /** Print threshold for constants (`print`'s elideConstantsAbove); Infinity unless the RUN line says otherwise. */
  elideConstantsAbove: number;
}

export interface GoldenCase {
  /** 0-based, counting only non-empty cases. */
  index: number;
  /** 1-based file lines of the case's first and last lines. */
  firstLine: number;
  lastLine: number;
  /** The case's text preceded by blank lines, so that a line number in it is the file's line number. */
  source: string;
  expected: ExpectedDiagnostic[];
  /** Malformed expected-error lines. */
  problems: GoldenProblem[];
}

export interface ExpectedDiagnostic {
  /** File line the diagnostic must be attached to; 'unknown' for one that has no source line. */
  target: number | 'unknown';
  /** A substring of the diagnostic's message. */
  message: string;
  /** File line of the expected-error comment. */
  line: number;
}

/** A problem found by the runner, at a file line when there is one; `detail` holds an excerpt. */
export interface GoldenProblem {
  line?: number;
  message: string;
  detail?: string;
}

/** A golden file that cannot be run at all (a missing or malformed RUN line). */
export class GoldenFileError extends OctetError {
  override name = 'GoldenFileError';
}

const SEPARATOR = /^\s*\/\/ -----\s*$/;
/** A line that means to expect an error (`expected-error@...` or `expected-error {{`); prose that merely names the directive is not one. */
const EXPECTED_START = /expected-error(?:@|\s*\{\{)/;
const EXPECTED = /expected-error(?:@([+-]?\d+|unknown))?\s*\{\{(.*)\}\}\s*$/;

export function parseGoldenFile(text: string, path = '<golden>'): GoldenFile {
  const lines = text.split('\n');
  const run = parseRunLine(lines[0] ?? '', path);
  const cases: GoldenCase[] = [];
  let start = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i < lines.length && !SEPARATOR.test(lines[i])) continue;
    const body = lines.slice(start, i);
    if (body.some((l) => !/^\s*(\/\/.*)?$/.test(l) || /CHECK/.test(l) || EXPECTED_START.test(l))) {
      cases.push(makeCase(cases.length, start, body));
    }
    start = i + 1;
  }
  return { path, run, cases };
}

function makeCase(index: number, start: number, body: string[]): GoldenCase {
  const firstLine = start + 1;
  const lastLine = start + body.length;
  const expected: ExpectedDiagnostic[] = [];
  const problems: GoldenProblem[] = [];
  body.forEach((text, k) => {
    if (!EXPECTED_START.test(text)) return;
    const line = firstLine + k;
    const m = EXPECTED.exec(text);
    if (!m) {
      problems.push({ line, message: "malformed expected-error: write `// expected-error@+N {{message}}` (or @-N, or no @ for this line)" });
      return;
    }
    const [, at, message] = m;
    let target: number | 'unknown' = line;
    if (at === 'unknown') target = 'unknown';
    else if (at !== undefined) target = /^[+-]/.test(at) ? line + Number(at) : Number(at);
    if (target !== 'unknown' && (target < firstLine || target > lastLine)) {
      problems.push({ line, message: `expected-error points at line ${target}, outside its case (lines ${firstLine}-${lastLine})` });
      return;
    }
    expected.push({ target, message, line });
  });
  return { index, firstLine, lastLine, source: '\n'.repeat(start) + body.join('\n'), expected, problems };
}

/** Reads `// RUN: octet opt [--passes a,b] [--verify-each] [--elide-constants-above N]`. */
export function parseRunLine(line: string, path = '<golden>'): RunLine {
  const m = /^\s*\/\/\s*RUN:\s*octet\s+opt\b(.*)$/.exec(line);
  if (!m) throw new GoldenFileError(`${path}:1: the first line must be '// RUN: octet opt --passes a,b,c': got '${line}'`);
  const run: RunLine = { passes: [], elideConstantsAbove: Infinity };
  const tokens = m[1].trim().split(/\s+/).filter(Boolean);
  for (let i = 0; i < tokens.length; i++) {
    const [flag, inline] = tokens[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? tokens[++i];
      if (v === undefined) throw new GoldenFileError(`${path}:1: ${flag} needs a value`);
      return v;
    };
    if (flag === '--passes') run.passes = value().split(',').filter(Boolean);
    else if (flag === '--verify-each') continue; // golden tests always verify after each pass
    else if (flag === '--elide-constants-above') {
      const v = value();
      const n = Number(v);
      if (!(Number.isInteger(n) && n >= 0) && v !== 'Infinity') throw new GoldenFileError(`${path}:1: --elide-constants-above takes a count, got '${v}'`);
      run.elideConstantsAbove = n;
    } else if (flag !== '%s') {
      throw new GoldenFileError(`${path}:1: unknown option '${tokens[i]}' in the RUN line: known options are --passes, --verify-each, --elide-constants-above`);
    }
  }
  return run;
}
