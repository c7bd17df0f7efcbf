import { canonicalizeBlanks } from './pattern.ts';

/**
 * The output under check. Matching runs on the blank-collapsed text, one line at a time (a match
 * never spans lines, as in FileCheck); excerpts show the original lines.
 */
export class OutputText {
  readonly text: string;
  private readonly starts: number[] = [];
  private readonly original: string[];

  constructor(output: string) {
    this.original = output.split('\n');
    const lines = this.original.map(canonicalizeBlanks);
    this.text = lines.join('\n');
    let at = 0;
    for (const l of lines) {
      this.starts.push(at);
      at += l.length + 1;
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** 0-based line holding an offset (an offset at a line's end belongs to that line). */
  lineIndex(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** 1-based line number of an offset. */
  lineOf(offset: number): number {
    return this.lineIndex(offset) + 1;
  }

  lineStart(index: number): number {
    return this.starts[index];
  }

  lineEnd(index: number): number {
    return index + 1 < this.starts.length ? this.starts[index + 1] - 1 : this.text.length;
  }

  originalLine(lineNumber: number): string {
    return this.original[lineNumber - 1] ?? '';
  }

  newlinesBetween(from: number, to: number): number {
    let n = 0;
    for (let i = from; i < to; i++) if (this.text.charCodeAt(i) === 10) n++;
    return n;
  }

  /**
   * The noted output lines (1-based) with one line before and `after` lines after each, numbered and
   * marked, gaps shown as `...`:  `  12 > %1 = relu(%0)   <- scanning from here`.
   */
  excerpt(notes: ReadonlyMap<number, string>, after = 2): string {
    const shown = new Set<number>();
    for (const n of notes.keys()) for (let k = n - 1; k <= n + after; k++) if (k >= 1 && k <= this.lineCount) shown.add(k);
    const lines = [...shown].sort((a, b) => a - b);
    const width = String(lines[lines.length - 1] ?? 1).length;
    const out: string[] = [];
    lines.forEach((n, i) => {
      if (i > 0 && n !== lines[i - 1] + 1) out.push(`  ${' '.repeat(width)} ...`);
      const note = notes.get(n);
      out.push(`  ${String(n).padStart(width)} ${note ? '>' : '|'} ${this.originalLine(n)}${note ? `   <- ${note}` : ''}`);
    });
    return out.join('\n');
  }
}
