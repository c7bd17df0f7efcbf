import { parseDirectives, type CheckError, type Directive } from './directives.ts';
import { OutputText } from './output.ts';
import { compilePattern, parsePattern, type Pattern } from './pattern.ts';

export interface CheckResult {
  ok: boolean;
  errors: CheckError[];
}

interface Check {
  d: Directive;
  pat: Pattern;
}

/** A positive directive with the CHECK-DAG / CHECK-NOT directives written just before it; `check` is absent for the end of input. */
interface CheckString {
  check?: Check;
  dagNots: Check[];
}

interface Match {
  start: number;
  end: number;
}

/** Unwinds the checks of one CHECK-LABEL block. */
class Failure {
  constructor(readonly errors: CheckError[]) {}
}

/**
 * Checks `output` against FileCheck directives, with LLVM FileCheck's semantics: CHECK-LABEL
 * splits the output into blocks (a failure inside a block skips to the next block), CHECK-DAG groups
 * match in any order without overlapping, CHECK-NOT forbids its pattern between the matches around
 * it, CHECK-NEXT matches on the line after the previous match, CHECK-SAME on the same line.
 */
export function fileCheck(check: string | readonly Directive[], output: string): CheckResult {
  const parsed = typeof check === 'string' ? parseDirectives(check) : { directives: [...check], errors: [] };
  if (parsed.errors.length) return { ok: false, errors: parsed.errors };
  if (parsed.directives.length === 0) {
    return { ok: false, errors: [{ line: 0, directive: 'FileCheck', message: "no CHECK directives found: write at least one 'CHECK:' line" }] };
  }
  const compiled = compileAll(parsed.directives);
  if ('errors' in compiled) return { ok: false, errors: compiled.errors };
  return new Checker(new OutputText(output)).run(compiled.strings);
}

function compileAll(directives: readonly Directive[]): { strings: CheckString[] } | { errors: CheckError[] } {
  const errors: CheckError[] = [];
  const strings: CheckString[] = [];
  let dagNots: Check[] = [];
  for (const d of directives) {
    const pat = parsePattern(d.pattern);
    const fail = (message: string) => errors.push({ line: d.line, directive: d.kind, pattern: d.pattern, message });
    if (typeof pat === 'string') {
      fail(pat);
      continue;
    }
    if (d.kind === 'CHECK-NOT' && pat.defines.length) fail(`a CHECK-NOT cannot capture variables ([[${pat.defines[0]}:...]]): capture in a positive directive`);
    if (d.kind === 'CHECK-LABEL' && (pat.defines.length || pat.uses.length)) fail('a CHECK-LABEL cannot use or capture variables: it is matched before the checks of its block');
    if (d.kind === 'CHECK-DAG' || d.kind === 'CHECK-NOT') dagNots.push({ d, pat });
    else {
      strings.push({ check: { d, pat }, dagNots });
      dagNots = [];
    }
  }
  if (dagNots.length) strings.push({ dagNots });
  return errors.length ? { errors } : { strings };
}

class Checker {
  private readonly vars = new Map<string, string>();

  constructor(private readonly out: OutputText) {}

  run(strings: CheckString[]): CheckResult {
    const errors: CheckError[] = [];
    const n = strings.length;
    let i = 0;
    let blockStart = 0;
    for (;;) {
      let j = i;
      while (j < n && strings[j].check?.d.kind !== 'CHECK-LABEL') j++;
      let regionEnd = this.out.text.length;
      if (j < n) {
        const label = strings[j].check!;
        const m = this.search(label, blockStart, this.out.text.length);
        if (!m) {
          errors.push(this.notFound(label, blockStart, this.out.text.length));
          break;
        }
        regionEnd = m.end;
        j++;
      }
      let pos = blockStart;
      try {
        for (; i < j; i++) pos = this.checkString(strings[i], pos, regionEnd).end;
      } catch (e) {
        if (!(e instanceof Failure)) throw e;
        errors.push(...e.errors);
        i = j;
      }
      if (j >= n) break;
      blockStart = regionEnd;
    }
    return { ok: errors.length === 0, errors };
  }

  /** Matches one check string in [from, to): its DAG/NOT group first, then the directive itself. */
  private checkString(cs: CheckString, from: number, to: number): Match {
    const { start, nots } = this.checkDag(cs.dagNots, from, to);
    let m: Match;
    if (!cs.check) m = { start: to, end: to };
    else {
      const found = this.search(cs.check, start, to);
      if (!found) throw new Failure([this.notFound(cs.check, start, to)]);
      m = found;
      const { d } = cs.check;
      const newlines = this.out.newlinesBetween(start, m.start);
      if (d.kind === 'CHECK-NEXT' && newlines !== 1) {
        const problem = newlines === 0 ? 'is on the same line as the previous match' : 'is not on the line after the previous match';
        throw new Failure([this.misplaced(cs.check, problem, start, m)]);
      }
      if (d.kind === 'CHECK-SAME' && newlines !== 0) {
        throw new Failure([this.misplaced(cs.check, 'is not on the same line as the previous match', start, m)]);
      }
    }
    this.checkNot(nots, start, m.start);
    return m;
  }

  /**
   * LLVM's CheckDag: each group of consecutive CHECK-DAGs matches from the group's start, each match
   * not overlapping an earlier one of the group; CHECK-NOTs before a group are checked between the
   * previous match and the group's first match; the next group starts after this group's last match.
   * Returns where the positive directive starts searching and the CHECK-NOTs still pending.
   */
  private checkDag(list: readonly Check[], from: number, to: number): { start: number; nots: Check[] } {
    let start = from;
    let nots: Check[] = [];
    let ranges: Match[] = [];
    list.forEach((c, k) => {
      if (c.d.kind === 'CHECK-NOT') {
        nots.push(c);
        return;
      }
      let pos = start;
      let r = 0;
      for (;;) {
        const m = this.search(c, pos, to);
        if (!m) throw new Failure([this.notFound(c, start, to)]);
        while (r < ranges.length && !(m.start < ranges[r].end)) r++;
        if (r === ranges.length || !(ranges[r].start < m.end)) {
          ranges.splice(r, 0, m);
          break;
        }
        pos = ranges[r].end; // overlaps an earlier match of the group: look again after it
      }
      const next = list[k + 1];
      if (!next || next.d.kind === 'CHECK-NOT') {
        this.checkNot(nots, start, ranges[0].start);
        nots = [];
        start = ranges[ranges.length - 1].end;
        ranges = [];
      }
    });
    return { start, nots };
  }

  private checkNot(nots: readonly Check[], from: number, to: number): void {
    const errors: CheckError[] = [];
    for (const c of nots) {
      const m = this.search(c, from, to);
      if (!m) continue;
      const line = this.out.lineOf(m.start);
      errors.push({
        line: c.d.line,
        directive: c.d.kind,
        pattern: c.d.pattern,
        message: `excluded pattern found in output at line ${line}`,
        outputLine: line,
        context: this.out.excerpt(new Map([[line, 'excluded pattern found here']]), 1),
      });
    }
    if (errors.length) throw new Failure(errors);
  }

  /** First match of a directive's pattern in [from, to), line by line; records its captures. */
  private search(c: Check, from: number, to: number): Match | undefined {
    const compiled = compilePattern(c.pat, this.vars);
    if ('undefinedVariable' in compiled) {
      const name = compiled.undefinedVariable;
      throw new Failure([
        {
          line: c.d.line,
          directive: c.d.kind,
          pattern: c.d.pattern,
          message: `uses variable [[${name}]] before any match defines it: capture it first with [[${name}:regex]]`,
        },
      ]);
    }
    const { regex, groups } = compiled;
    for (let li = this.out.lineIndex(from); li < this.out.lineCount && this.out.lineStart(li) <= to; li++) {
      const ls = this.out.lineStart(li);
      const segment = this.out.text.slice(ls, Math.min(this.out.lineEnd(li), to));
      regex.lastIndex = Math.max(0, from - ls);
      const m = regex.exec(segment);
      if (!m) continue;
      for (const [name, g] of groups) this.vars.set(name, m[g] ?? '');
      return { start: ls + m.index, end: ls + m.index + m[0].length };
    }
    return undefined;
  }

  private notFound(c: Check, from: number, to: number): CheckError {
    const scan = this.out.lineOf(from);
    const notes = new Map([[scan, 'scanning from here']]);
    const guess = this.likelyLine(c.pat, from, to);
    if (guess !== undefined && guess !== scan) notes.set(guess, 'possible intended match');
    const values = c.pat.uses.filter((u) => this.vars.has(u)).map((u) => `${u} = ${JSON.stringify(this.vars.get(u))}`);
    return {
      line: c.d.line,
      directive: c.d.kind,
      pattern: c.d.pattern,
      message: `expected pattern not found in output${values.length ? ` (with ${values.join(', ')})` : ''}`,
      outputLine: scan,
      context: this.out.excerpt(notes),
    };
  }

  private misplaced(c: Check, problem: string, previousEnd: number, m: Match): CheckError {
    const prev = this.out.lineOf(previousEnd);
    const line = this.out.lineOf(m.start);
    const notes = new Map([[line, 'match here']]);
    notes.set(prev, prev === line ? 'previous match ends here, match is on this line' : 'previous match ends here');
    return {
      line: c.d.line,
      directive: c.d.kind,
      pattern: c.d.pattern,
      message: `${problem} (previous match on output line ${prev}, this match on line ${line})`,
      outputLine: line,
      context: this.out.excerpt(notes, 0),
    };
  }

  /** The line in [from, to) sharing the most literal text with the pattern: a hint, as FileCheck's "possible intended match". */
  private likelyLine(pat: Pattern, from: number, to: number): number | undefined {
    const words = pat.parts.flatMap((p) => (p.kind === 'text' ? p.text.split(/[^A-Za-z0-9_]+/).filter((w) => w.length > 1) : []));
    if (!words.length) return undefined;
    let best: number | undefined;
    let bestScore = 0;
    for (let n = this.out.lineOf(from); n <= this.out.lineOf(to); n++) {
      const text = this.out.originalLine(n);
      const score = words.reduce((s, w) => s + (text.includes(w) ? w.length : 0), 0);
      if (score > bestScore) {
        bestScore = score;
        best = n;
      }
    }
    return best;
  }
}

/** `CHECK-NEXT '%1 = relu': is not on the line after ...`: the directive, its pattern and the problem. */
export function checkErrorSummary(e: CheckError): string {
  return `${e.directive}${e.pattern !== undefined ? ` '${e.pattern}'` : ''}: ${e.message}`;
}

/** `check:12: CHECK-NEXT '%1 = relu': is not on the line after ...`, then the output excerpt. */
export function formatCheckError(e: CheckError, checkName = 'check'): string {
  const head = `${checkName}:${e.line}: ${checkErrorSummary(e)}`;
  return e.context ? `${head}\n${e.context}` : head;
}
