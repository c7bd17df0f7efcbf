import { describe, expect, it } from 'vitest';
import { fileCheck, formatCheckError, parseDirectives, type CheckError } from '../src/index.ts';

/** Check lines written one per array entry (line i + 1 of the check text). */
const check = (...lines: string[]) => lines.join('\n');

function errorsOf(checkText: string, output: string): CheckError[] {
  return fileCheck(checkText, output).errors;
}

function passes(checkText: string, output: string): void {
  const r = fileCheck(checkText, output);
  expect(r.errors.map((e) => formatCheckError(e))).toEqual([]);
  expect(r.ok).toBe(true);
}

/** Asserts exactly one error, from the directive at `line`, whose message matches. */
function failsOnce(checkText: string, output: string, line: number, directive: string, message: RegExp): CheckError {
  const errors = errorsOf(checkText, output);
  expect(errors.map((e) => `${e.line} ${e.directive}: ${e.message}`)).toEqual([expect.stringMatching(new RegExp(`^${line} ${directive}: .*${message.source}`))]);
  return errors[0];
}

const IR = [
  'graph @g(%x: f32[1,4]) {', // 1
  '  %w = const f32[2,4] [1, 2, 3, 4, 5, 6, 7, 8]', // 2
  '  %0 = fully_connected(%x, %w) : f32[1,2]', // 3
  '  %1 = relu(%0) : f32[1,2]', // 4
  '  %2 = tanh(%1) : f32[1,2]', // 5
  '  return %2', // 6
  '}', // 7
].join('\n');

describe('CHECK', () => {
  it('matches patterns in order, each after the previous match', () => {
    passes(check('// CHECK: const', '// CHECK: relu', '// CHECK: return'), IR);
    failsOnce(check('// CHECK: relu', '// CHECK: const'), IR, 2, 'CHECK', /expected pattern not found in output/);
  });

  it('matches a run of blanks in the pattern against any run of blanks, but not against none', () => {
    passes(check('// CHECK: %0   =  fully_connected(%x,%w)'.replace('(%x,%w)', '(%x, %w)')), IR);
    passes(check('// CHECK: a b'), 'a \t  b');
    failsOnce(check('// CHECK: a b'), 'ab', 1, 'CHECK', /expected pattern not found/);
  });

  it('treats regex metacharacters outside {{ }} literally', () => {
    passes(check('// CHECK: f32[1,2]', '// CHECK: (%0)'), IR);
    failsOnce(check('// CHECK: f32[1.4]'), IR, 1, 'CHECK', /not found/);
  });

  it('points at the scan start and the likely intended line in the output', () => {
    const e = failsOnce(check('// CHECK: return', '// CHECK: relu(%2)'), IR, 2, 'CHECK', /not found/);
    expect(e.outputLine).toBe(6);
    expect(e.context).toContain('6 >   return %2   <- scanning from here');
    const e2 = failsOnce(check('// CHECK: const', '// CHECK: tanh(%0)'), IR, 2, 'CHECK', /not found/);
    expect(e2.context).toContain('5 >   %2 = tanh(%1) : f32[1,2]   <- possible intended match');
  });
});

describe('CHECK-NEXT', () => {
  it('passes on the line right after the previous match', () => {
    passes(check('// CHECK: fully_connected', '// CHECK-NEXT: relu', '// CHECK-NEXT: tanh'), IR);
  });

  it('fails when the match is further down, naming both lines', () => {
    const e = failsOnce(check('// CHECK: fully_connected', '// CHECK-NEXT: tanh'), IR, 2, 'CHECK-NEXT', /is not on the line after the previous match/);
    expect(e.message).toContain('previous match on output line 3, this match on line 5');
    expect(e.outputLine).toBe(5);
  });

  it('fails when the match is on the same line as the previous one', () => {
    failsOnce(check('// CHECK: %1', '// CHECK-NEXT: relu'), IR, 2, 'CHECK-NEXT', /is on the same line as the previous match/);
  });

  it('cannot come first', () => {
    const { errors } = parseDirectives(check('// CHECK-NEXT: relu'));
    expect(errors).toEqual([expect.objectContaining({ line: 1, directive: 'CHECK-NEXT', message: expect.stringMatching(/without a previous 'CHECK:'/) })]);
  });
});

describe('CHECK-SAME', () => {
  it('passes on the same line, after the previous match', () => {
    passes(check('// CHECK: fully_connected', '// CHECK-SAME: (%x, %w)', '// CHECK-SAME: f32[1,2]'), IR);
  });

  it('fails when the next occurrence is on a later line', () => {
    failsOnce(check('// CHECK: %0 = fully_connected', '// CHECK-SAME: relu'), IR, 2, 'CHECK-SAME', /is not on the same line/);
  });

  it('does not look back before the previous match on the line', () => {
    // "%x" occurs on line 3 only before "%w"; the next one after it is nowhere
    failsOnce(check('// CHECK: fully_connected(%x, %w)', '// CHECK-SAME: %x'), IR, 2, 'CHECK-SAME', /expected pattern not found/);
  });
});

describe('CHECK-NOT', () => {
  it('forbids its pattern between the matches around it, only there', () => {
    passes(check('// CHECK: relu', '// CHECK-NOT: fully_connected', '// CHECK: return'), IR);
    const e = failsOnce(check('// CHECK: const', '// CHECK-NOT: relu', '// CHECK: return'), IR, 2, 'CHECK-NOT', /excluded pattern found in output at line 4/);
    expect(e.outputLine).toBe(4);
    expect(e.context).toContain('4 >   %1 = relu(%0) : f32[1,2]   <- excluded pattern found here');
  });

  it('checks from the start when first and to the end when last', () => {
    failsOnce(check('// CHECK-NOT: graph', '// CHECK: relu'), IR, 1, 'CHECK-NOT', /excluded pattern found in output at line 1/);
    failsOnce(check('// CHECK: relu', '// CHECK-NOT: return'), IR, 2, 'CHECK-NOT', /excluded pattern found in output at line 6/);
    passes(check('// CHECK-NOT: softmax'), IR);
  });

  it('reports every excluded pattern that is present', () => {
    const errors = errorsOf(check('// CHECK: const', '// CHECK-NOT: relu', '// CHECK-NOT: tanh', '// CHECK: return'), IR);
    expect(errors.map((e) => [e.line, e.outputLine])).toEqual([
      [2, 4],
      [3, 5],
    ]);
  });
});

describe('CHECK-LABEL', () => {
  const TWO = check('graph @a(%x: f32[1]) {', '  %0 = relu(%x) : f32[1]', '}', 'graph @b(%x: f32[1]) {', '  %0 = tanh(%x) : f32[1]', '}');

  it('confines the checks between two labels to their block', () => {
    passes(check('// CHECK-LABEL: @a', '// CHECK: relu', '// CHECK-LABEL: @b', '// CHECK: tanh'), TWO);
    // tanh exists, but only in @b's block
    failsOnce(check('// CHECK-LABEL: @a', '// CHECK: tanh', '// CHECK-LABEL: @b', '// CHECK: %0'), TWO, 2, 'CHECK', /expected pattern not found/);
  });

  it('goes on with the next block after a failure in one', () => {
    const errors = errorsOf(check('// CHECK-LABEL: @a', '// CHECK: softmax', '// CHECK-LABEL: @b', '// CHECK: logistic'), TWO);
    expect(errors.map((e) => e.line)).toEqual([2, 4]);
  });

  it('stops when a label is missing', () => {
    const errors = errorsOf(check('// CHECK-LABEL: @c', '// CHECK: relu'), TWO);
    expect(errors).toEqual([expect.objectContaining({ line: 1, directive: 'CHECK-LABEL', message: 'expected pattern not found in output' })]);
  });

  it('cannot use or capture variables', () => {
    failsOnce(check('// CHECK-LABEL: @[[G:[a-z]]]'), TWO, 1, 'CHECK-LABEL', /cannot use or capture variables/);
  });
});

describe('CHECK-DAG', () => {
  it('matches a group in any order', () => {
    passes(check('// CHECK-DAG: tanh', '// CHECK-DAG: const', '// CHECK-DAG: relu'), IR);
  });

  it('needs distinct, non-overlapping matches for equal patterns', () => {
    passes(check('// CHECK-DAG: f32[1,2]', '// CHECK-DAG: f32[1,2]', '// CHECK-DAG: f32[1,2]'), IR);
    failsOnce(check('// CHECK-DAG: relu', '// CHECK-DAG: relu'), IR, 2, 'CHECK-DAG', /expected pattern not found/);
  });

  it('lets the next positive directive match only after the whole group', () => {
    failsOnce(check('// CHECK-DAG: tanh', '// CHECK-DAG: const', '// CHECK: relu'), IR, 3, 'CHECK', /expected pattern not found/);
    passes(check('// CHECK-DAG: relu', '// CHECK-DAG: const', '// CHECK: tanh'), IR);
  });

  it('checks a CHECK-NOT between two groups', () => {
    passes(check('// CHECK-DAG: %w = const', '// CHECK-NOT: tanh', '// CHECK-DAG: relu'), IR);
    failsOnce(check('// CHECK-DAG: %w = const', '// CHECK-NOT: fully_connected', '// CHECK-DAG: relu'), IR, 2, 'CHECK-NOT', /excluded pattern found in output at line 3/);
  });
});

describe('regexes and variables', () => {
  it('matches {{regex}} inline, within one line', () => {
    passes(check('// CHECK: %{{[0-9]+}} = relu', '// CHECK: tanh({{.*}}) : {{f32\\[1,2\\]$}}'), IR);
    passes(check('// CHECK: {{[0-9]{2}}}'), 'x 12 y');
    failsOnce(check('// CHECK: const{{.*}}relu'), IR, 1, 'CHECK', /not found/);
  });

  it('rejects an invalid regex at its line', () => {
    failsOnce(check('// CHECK: relu', '// CHECK: {{(}}'), IR, 2, 'CHECK', /invalid regular expression \{\{\(\}\}/);
    failsOnce(check('// CHECK: {{relu'), IR, 1, 'CHECK', /unterminated regex/);
  });

  it('captures with [[NAME:regex]] and substitutes [[NAME]] literally', () => {
    passes(check('// CHECK: %[[W:[a-z]+]] = const', '// CHECK: fully_connected(%x, %[[W]])', '// CHECK: %[[R:[0-9]+]] = relu', '// CHECK: tanh(%[[R]])'), IR);
    // a captured "." is literal when used: "1.2" captured, "1x2" must not match it
    failsOnce(check('// CHECK: v=[[V:[0-9.]+]]', '// CHECK: w=[[V]]'), 'v=1.2\nw=1x2', 2, 'CHECK', /not found in output \(with V = "1\.2"\)/);
  });

  it('reports a use whose captured value does not occur, with the value', () => {
    failsOnce(check('// CHECK: %[[A:[0-9]+]] = fully_connected', '// CHECK: tanh(%[[A]])'), IR, 2, 'CHECK', /not found in output \(with A = "0"\)/);
  });

  it('back-references a name captured earlier in the same pattern', () => {
    passes(check('// CHECK: [[X:[a-z]]]-[[X]]'), 'a-b c-c');
    failsOnce(check('// CHECK: [[X:[a-z]]]-[[X]]'), 'a-b c-d', 1, 'CHECK', /not found/);
  });

  it('rejects a use before any definition', () => {
    failsOnce(check('// CHECK: relu(%[[IN]])'), IR, 1, 'CHECK', /uses variable \[\[IN\]\] before any match defines it/);
  });

  it('redefines a name on each capture', () => {
    passes(check('// CHECK: %[[V:[0-9]]] = fully', '// CHECK: %[[V:[0-9]]] = relu(%0)', '// CHECK: tanh(%[[V]])'), IR);
  });

  it('keeps captures made by CHECK-DAG matches', () => {
    passes(check('// CHECK-DAG: %[[T:[0-9]]] = tanh', '// CHECK-DAG: %[[F:[0-9]]] = fully_connected', '// CHECK: return %[[T]]'), IR);
  });
});

describe('malformed check text', () => {
  it('reports unknown directives, empty patterns, numeric variables and an empty check text', () => {
    expect(errorsOf(check('// CHECK-NXT: relu'), IR)).toEqual([expect.objectContaining({ line: 1, message: expect.stringMatching(/unknown directive 'CHECK-NXT:'/) })]);
    expect(errorsOf(check('// CHECK: relu', '// CHECK:   '), IR)).toEqual([expect.objectContaining({ line: 2, message: expect.stringMatching(/empty pattern/) })]);
    failsOnce(check('// CHECK: [[#N]]'), IR, 1, 'CHECK', /numeric variables/);
    expect(errorsOf('// nothing to see', IR)).toEqual([expect.objectContaining({ line: 0, message: expect.stringMatching(/no CHECK directives found/) })]);
  });

  it('reads a directive anywhere on a line, but not inside a longer word', () => {
    expect(parseDirectives('x = 1 // CHECK: a\n// MYCHECK: b\n// CHECK-DAG: c').directives).toEqual([
      { kind: 'CHECK', pattern: 'a', line: 1 },
      { kind: 'CHECK-DAG', pattern: 'c', line: 3 },
    ]);
  });

  it('formats an error with the check line, directive, pattern and excerpt', () => {
    const [e] = errorsOf(check('// CHECK: relu', '// CHECK-NEXT: return'), IR);
    expect(formatCheckError(e, 'case.qir').split('\n')[0]).toBe(
      "case.qir:2: CHECK-NEXT 'return': is not on the line after the previous match (previous match on output line 4, this match on line 6)",
    );
  });
});
