import type { Agreement, Evaluation } from './evaluate.ts';
import type { VariantId } from './variants.ts';

/** One line of the tutorial's table. */
export interface Row {
  id: VariantId;
  label: string;
  file: string;
  bytes: number;
  convertMs: number;
  evaluation?: Evaluation;
}

export const COLUMNS = ['variant', 'bytes', 'accuracy (ours)', 'accuracy (LiteRT)', 'agreement with LiteRT', 'convert ms'] as const;

export const percent = (x: number | undefined, digits = 2): string => (x === undefined ? '—' : `${(100 * x).toFixed(digits)}%`);

export function agreementText(a: Agreement | undefined): string {
  if (!a) return '—';
  if (a.kind === 'identical') return `${percent(a.fraction)} byte-identical`;
  return `${percent(a.fraction)} argmax, max |Δ| ${a.maxAbsDiff.toExponential(1)}`;
}

/** The cells of a row, in COLUMNS order. */
export function cells(row: Row): string[] {
  const e = row.evaluation;
  return [
    row.label,
    row.bytes.toLocaleString('en-US'),
    percent(e?.accuracyOurs),
    percent(e?.accuracyLiteRt),
    agreementText(e?.agreement),
    row.convertMs.toFixed(0),
  ];
}

/** A plain-text table, columns padded; numbers right-aligned. */
export function formatTable(rows: readonly Row[]): string {
  const all = [[...COLUMNS], ...rows.map(cells)];
  const widths = COLUMNS.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const right = [false, true, true, true, false, true];
  const line = (r: string[]) => r.map((s, c) => (right[c] ? s.padStart(widths[c]) : s.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}
