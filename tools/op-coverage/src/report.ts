import { createProject } from './project.ts';
import { goldenCoverage } from './golden.ts';
import { readOpKinds, REGISTRY_FILE } from './registry.ts';
import { discoverTables, type Cell, type ConsumerTable } from './tables.ts';

export interface Report {
  readonly opKinds: readonly string[];
  readonly tables: readonly ConsumerTable[];
  /** Op kind → golden files that apply it (informational). */
  readonly golden: ReadonlyMap<string, readonly string[]>;
  /** One line each; any problem fails the check. */
  readonly problems: readonly string[];
}

/** Reads the registry, the consumer tables and the golden tests of the project at `root`. */
export function analyze(root: string): Report {
  const project = createProject(root);
  const opKinds = readOpKinds(project, root);
  const tables = discoverTables(project, root, opKinds);
  const problems: string[] = [];
  if (tables.length === 0) {
    problems.push(`no op table found under packages/*/src: a consumer of ${REGISTRY_FILE} is an object literal checked with 'satisfies OpTable<...>'`);
  }
  for (const t of tables) {
    for (const [op, cell] of t.cells) {
      if (cell.status === 'hole') problems.push(`${t.file}:${t.line}: ${t.title} has no entry for '${op}': handle it, or declare it unsupported('why')`);
    }
    for (const key of t.unknownKeys) {
      problems.push(`${t.file}:${t.line}: ${t.title} has an entry for '${key}', which is not an op kind of ${REGISTRY_FILE}: remove it`);
    }
  }
  return { opKinds, tables, golden: goldenCoverage(root, opKinds), problems };
}

const MARK: { readonly [S in Cell['status']]: string } = { supported: '✓', unsupported: 'unsupported', hole: '✗ HOLE' };

/** The op × table matrix, with the golden column last; headers are `<package>` over `<variable>`. */
export function formatMatrix(report: Report): string {
  const header1 = ['op', ...report.tables.map((t) => t.title.split('/')[0]), 'golden'];
  const header2 = ['', ...report.tables.map((t) => t.title.split('/').slice(1).join('/')), '(info)'];
  const rows = report.opKinds.map((op) => [
    op,
    ...report.tables.map((t) => MARK[t.cells.get(op)!.status]),
    (report.golden.get(op)?.length ?? 0) > 0 ? '✓' : '-',
  ]);
  const all = [header1, header2, ...rows];
  const widths = header1.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  return [...all.map(line), ''].join('\n');
}

export function formatSummary(report: Report): string {
  const count = (status: Cell['status']) => report.tables.reduce((n, t) => n + [...t.cells.values()].filter((c) => c.status === status).length, 0);
  const golden = [...report.golden.values()].filter((files) => files.length > 0).length;
  const lines = [
    `${report.opKinds.length} ops × ${report.tables.length} tables: ${count('supported')} entries, ${count('unsupported')} unsupported(reason), ${count('hole')} holes`,
    `golden tests apply ${golden} of ${report.opKinds.length} ops (informational)`,
    'tables:',
    ...report.tables.map((t) => `  ${t.title.padEnd(Math.max(...report.tables.map((x) => x.title.length)))}  ${t.file}:${t.line}`),
  ];
  return lines.join('\n') + '\n';
}

/** Every unsupported entry's reason, grouped per table and reason. */
export function formatReasons(report: Report): string {
  const lines: string[] = [];
  for (const t of report.tables) {
    const byReason = new Map<string, string[]>();
    for (const [op, cell] of t.cells) if (cell.status === 'unsupported') byReason.set(cell.reason, [...(byReason.get(cell.reason) ?? []), op]);
    for (const [reason, ops] of byReason) lines.push(`${t.title}: ${ops.join(', ')}: ${reason}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

export function toJson(report: Report): unknown {
  return {
    opKinds: report.opKinds,
    tables: report.tables.map((t) => ({ ...t, cells: Object.fromEntries(t.cells) })),
    golden: Object.fromEntries(report.golden),
    problems: report.problems,
  };
}
