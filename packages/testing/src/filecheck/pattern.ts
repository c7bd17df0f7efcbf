/**
 * A FileCheck pattern: literal text, `{{regex}}`, `[[NAME:regex]]` (match and capture) and `[[NAME]]`
 * (the captured text, or a back-reference when NAME was captured earlier in the same pattern).
 * Literal runs of blanks match one canonical space: the checker collapses blanks in the output the
 * same way, which is FileCheck's default whitespace handling.
 */
export type PatternPart =
  | { kind: 'text'; text: string }
  | { kind: 'regex'; source: string }
  | { kind: 'define'; name: string; source: string }
  | { kind: 'use'; name: string };

export interface Pattern {
  parts: PatternPart[];
  /** Names this pattern captures, in order. */
  defines: string[];
  /** Names this pattern reads that it does not capture itself first. */
  uses: string[];
}

const NAME = /^\$?[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Finds the closing `}}` or `]]` of a block whose body starts at `from`. Escapes and character
 * classes are skipped; inside `{{...}}`, braces nest (so `{{[0-9]{2}}}` closes at the end).
 */
function closing(src: string, from: number, close: '}' | ']'): number {
  let depth = 0;
  for (let j = from; j < src.length; j++) {
    const c = src[j];
    if (c === '\\') j++;
    else if (c === '[') j = classEnd(src, j);
    else if (close === '}' && c === '{') depth++;
    else if (c === close) {
      if (depth === 0 && src[j + 1] === close) return j;
      if (depth > 0) depth--;
    }
  }
  return -1;
}

/** Index of the `]` closing a character class opened at `at` (a `]` first in the class is literal). */
function classEnd(src: string, at: number): number {
  let j = at + 1;
  if (src[j] === '^') j++;
  if (src[j] === ']') j++;
  for (; j < src.length; j++) {
    if (src[j] === '\\') j++;
    else if (src[j] === ']') return j;
  }
  return src.length;
}

function checkRegex(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (e) {
    return `invalid regular expression {{${source}}}: ${(e as Error).message}`;
  }
}

/** Splits a pattern into parts; returns a one-line problem description when it is malformed. */
export function parsePattern(src: string): Pattern | string {
  const parts: PatternPart[] = [];
  const defines: string[] = [];
  const uses: string[] = [];
  let text = '';
  const flush = () => {
    if (text) parts.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < src.length; ) {
    if (src.startsWith('{{', i)) {
      const end = closing(src, i + 2, '}');
      if (end < 0) return `unterminated regex '{{' at column ${i + 1}: close it with '}}'`;
      const source = src.slice(i + 2, end);
      if (source === '') return `empty regex '{{}}' at column ${i + 1}`;
      const bad = checkRegex(source);
      if (bad) return bad;
      flush();
      parts.push({ kind: 'regex', source });
      i = end + 2;
    } else if (src.startsWith('[[', i)) {
      const end = closing(src, i + 2, ']');
      if (end < 0) return `unterminated variable '[[' at column ${i + 1}: close it with ']]'`;
      const body = src.slice(i + 2, end);
      if (body.startsWith('#')) return `numeric variables '[[#...]]' are not supported: capture with [[NAME:regex]]`;
      const colon = body.indexOf(':');
      const name = colon < 0 ? body : body.slice(0, colon);
      if (!NAME.test(name)) return `invalid variable name '${name}' in '[[${body}]]': use letters, digits and '_'`;
      flush();
      if (colon < 0) {
        parts.push({ kind: 'use', name });
        if (!defines.includes(name) && !uses.includes(name)) uses.push(name);
      } else {
        const source = body.slice(colon + 1);
        const bad = checkRegex(source);
        if (bad) return bad;
        parts.push({ kind: 'define', name, source });
        defines.push(name);
      }
      i = end + 2;
    } else {
      text += src[i++];
    }
  }
  flush();
  return { parts, defines, uses };
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Collapses every run of blanks to one space: applied to literal pattern text and to the output. */
export const canonicalizeBlanks = (s: string) => s.replace(/[ \t]+/g, ' ');

function groupCount(source: string): number {
  return new RegExp(`(?:${source})|`).exec('')!.length - 1;
}

export interface CompiledPattern {
  regex: RegExp;
  /** Capture group of each name the pattern defines. */
  groups: Map<string, number>;
}

/**
 * Builds the regex for a pattern, substituting the current values of variables it uses.
 * Returns the first variable that has no value yet instead when there is one.
 */
export function compilePattern(p: Pattern, vars: ReadonlyMap<string, string>): CompiledPattern | { undefinedVariable: string } {
  const groups = new Map<string, number>();
  let next = 1;
  let source = '';
  for (const part of p.parts) {
    switch (part.kind) {
      case 'text':
        source += escapeRegex(canonicalizeBlanks(part.text));
        break;
      case 'regex':
        source += `(?:${part.source})`;
        next += groupCount(part.source);
        break;
      case 'define':
        groups.set(part.name, next);
        source += `(${part.source})`;
        next += 1 + groupCount(part.source);
        break;
      case 'use': {
        const own = groups.get(part.name);
        if (own !== undefined) source += `(?:\\${own})`;
        else {
          const value = vars.get(part.name);
          if (value === undefined) return { undefinedVariable: part.name };
          source += escapeRegex(value);
        }
        break;
      }
    }
  }
  return { regex: new RegExp(source, 'g'), groups };
}
