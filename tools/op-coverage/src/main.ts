import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CoverageError } from './errors.ts';
import { analyze, formatMatrix, formatReasons, formatSummary, toJson } from './report.ts';

const USAGE = `Usage: op-coverage [--root <dir>] [--reasons] [--json]

Prints the op coverage matrix: every op kind of packages/ir/src/ops.ts against every exhaustive op
table in packages/*/src (found by their 'satisfies OpTable<...>' type) and the golden tests.
Exits 1 when a table has no entry for an op and does not declare it unsupported('why').

  --root <dir>  the project to check (default: this repository)
  --reasons     also list the reason of every unsupported(...) entry
  --json        print the report as JSON
`;

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs the check and returns the exit code: 0 no hole, 1 holes, 2 the project could not be read. */
export function main(argv: readonly string[]): number {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: { root: { type: 'string' }, reasons: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }).values;
  } catch (e) {
    process.stderr.write(`op-coverage: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    const report = analyze(args.root ?? REPO);
    if (args.json) process.stdout.write(JSON.stringify(toJson(report), null, 2) + '\n');
    else process.stdout.write(formatMatrix(report) + '\n' + formatSummary(report) + (args.reasons ? '\n' + formatReasons(report) : ''));
    for (const p of report.problems) process.stderr.write(`op-coverage: ${p}\n`);
    return report.problems.length ? 1 : 0;
  } catch (e) {
    if (e instanceof CoverageError) {
      process.stderr.write(`op-coverage: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
