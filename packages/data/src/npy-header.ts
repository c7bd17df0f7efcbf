/**
 * The header of a .npy file is a Python dict literal, e.g.
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 28, 28), }` padded with spaces and a
 * newline. This is a strict little parser for exactly that subset (strings, True/False, integer
 * tuples), so that a malformed header is an error rather than a guess.
 */

export type PyValue = string | boolean | number[];

export class HeaderSyntaxError extends Error {}

/** `'text'` with control characters escaped, so that an error message stays on one line. */
export const quote = (text: string): string =>
  `'${text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'))}'`;

export function parseHeaderDict(text: string): Map<string, PyValue> {
  let i = 0;
  const fail = (what: string): never => {
    throw new HeaderSyntaxError(`${what} at character ${i + 1} of the header`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const expect = (ch: string) => {
    ws();
    if (text[i] !== ch) fail(`expected '${ch}', found ${i < text.length ? quote(text[i]) : 'the end'}`);
    i++;
  };
  const str = (): string => {
    ws();
    const mark = text[i];
    if (mark !== "'" && mark !== '"') fail('expected a quoted string');
    const end = text.indexOf(mark, i + 1);
    if (end < 0) fail('unterminated string');
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const int = (): number => {
    ws();
    const m = /^[0-9]+L?/.exec(text.slice(i, i + 24));
    if (!m) fail('expected a non-negative integer');
    i += m![0].length;
    const n = Number(m![0].replace('L', ''));
    if (!Number.isSafeInteger(n)) fail(`dimension ${m![0]} is too large`); // digits only: safe to print
    return n;
  };
  const tuple = (): number[] => {
    expect('(');
    const xs: number[] = [];
    for (;;) {
      ws();
      if (text[i] === ')') break;
      xs.push(int());
      ws();
      if (text[i] === ',') i++;
      else if (text[i] !== ')') fail("expected ',' or ')' in the shape");
    }
    i++;
    return xs;
  };
  const value = (): PyValue => {
    ws();
    if (text[i] === "'" || text[i] === '"') return str();
    if (text[i] === '(') return tuple();
    for (const [word, v] of [['True', true], ['False', false]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    if (text[i] === '[') fail('structured dtypes (a list as descr) are not supported');
    return fail('expected a string, True, False or a tuple');
  };

  const dict = new Map<string, PyValue>();
  expect('{');
  for (;;) {
    ws();
    if (text[i] === '}') break;
    const key = str();
    if (dict.has(key)) fail(`duplicate key ${quote(key)}`);
    expect(':');
    dict.set(key, value());
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail("expected ',' or '}'");
  }
  i++;
  ws();
  if (i !== text.length) fail('unexpected text after the dict');
  return dict;
}
