import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DiagnosticError, IrError, OctetError, type Graph } from '@octet/ir';
import {
  formatCaseResult,
  GoldenFileError,
  identityPipeline,
  loadPipeline,
  matchDiagnostics,
  parseGoldenFile,
  parseRunLine,
  runGoldenCase,
  runGoldenFile,
  type CaseResult,
  type Pipeline,
} from '../src/index.ts';

const MUST_FAIL = fileURLToPath(new URL('./fixtures/must-fail/', import.meta.url));

/** Each must-fail fixture and the exact problems (file line, message) the runner must report. */
const MUST_FAIL_EXPECTATIONS: Record<string, [number, RegExp][]> = {
  'missing-check.qir': [[4, /^CHECK 'max_pool_2d': expected pattern not found in output$/]],
  'wrong-check-next.qir': [[4, /^CHECK-NEXT 'tanh': is not on the line after the previous match \(previous match on output line 2, this match on line 4\)$/]],
  'unmatched-capture.qir': [[5, /^CHECK 'relu\(%\[\[OUT\]\]\)': expected pattern not found in output \(with OUT = "c"\)$/]],
  'unexpected-diagnostic.qir': [[5, /^unexpected error: 'add' op mixes float32 and int8 operands/]],
  'missing-diagnostic.qir': [[4, /^expected error at line 5 was not produced: \{\{'relu' op is not allowed\}\}$/]],
  'check-not-matches.qir': [[4, /^CHECK-NOT 'relu': excluded pattern found in output at line 4$/]],
};

function runText(text: string, pipeline: Pipeline = identityPipeline, path = 'test.qir'): CaseResult[] {
  return runGoldenFile(parseGoldenFile(text, path), pipeline);
}

const problemsOf = (r: CaseResult) => r.problems.map((p) => [p.line, p.message]);

describe('must-fail fixtures', () => {
  it('has an expectation for every fixture', () => {
    expect(readdirSync(MUST_FAIL).filter((f) => f.endsWith('.qir')).sort()).toEqual(Object.keys(MUST_FAIL_EXPECTATIONS).sort());
  });

  for (const [name, expected] of Object.entries(MUST_FAIL_EXPECTATIONS)) {
    it(`${name} fails with the right message at the right line`, () => {
      const [r, ...more] = runText(readFileSync(MUST_FAIL + name, 'utf8'), identityPipeline, name);
      expect(more).toEqual([]);
      expect(r.ok).toBe(false);
      expect(problemsOf(r)).toEqual(expected.map(([line, message]) => [line, expect.stringMatching(message)]));
      expect(formatCaseResult(r)).toContain(`${name}:${expected[0][0]}: `);
    });
  }
});

const RELU_CASE = [
  '// RUN: octet opt --passes reject-relu', // 1
  'graph @g(%x: f32[2]) {', // 2
  '  %y = relu(%x)', // 3
  '  %z = tanh(%y)', // 4
  '  return %z', // 5
  '}', // 6
];

/** A stand-in pass pipeline that rejects every relu op with `make(op)`. */
const rejectRelu =
  (make: (op: Graph['ops'][number]) => unknown): Pipeline =>
  (g) => {
    const op = g.ops.find((o) => o.kind === 'relu');
    if (op) throw make(op);
    return g;
  };

describe('diagnostics from the pipeline', () => {
  const withExpectation = (line: string, at: number) => [...RELU_CASE.slice(0, at), line, ...RELU_CASE.slice(at)].join('\n');

  it("matches a DiagnosticError's op to its source line", () => {
    const pipeline = rejectRelu((op) => new DiagnosticError([{ message: "'relu' op is illegal here: drop it", op }]));
    expect(problemsOf(runText(withExpectation('  // expected-error@+1 {{illegal here}}', 2), pipeline)[0])).toEqual([]);
    // the same expectation one line off fails both ways
    expect(problemsOf(runText(withExpectation('  // expected-error@+2 {{illegal here}}', 2), pipeline)[0])).toEqual([
      [3, 'expected error at line 5 was not produced: {{illegal here}}'],
      [4, "unexpected error: 'relu' op is illegal here: drop it"],
    ]);
  });

  it('locates an OctetError that carries an op, and expects one without a line with @unknown', () => {
    const withOp = rejectRelu((op) => Object.assign(new OctetError("'relu' op cannot be fused: it has two users"), { op }));
    expect(problemsOf(runText(withExpectation('  // expected-error@-1 {{cannot be fused}}', 3), withOp)[0])).toEqual([]);
    const noOp = rejectRelu(() => new IrError('pipeline does not converge after 10 iterations'));
    expect(problemsOf(runText(withExpectation('// expected-error@unknown {{does not converge}}', 1), noOp)[0])).toEqual([]);
    expect(problemsOf(runText(RELU_CASE.join('\n'), noOp)[0])).toEqual([
      [undefined, 'unexpected error (no source line: expect it with expected-error@unknown): pipeline does not converge after 10 iterations'],
    ]);
  });

  it('reports an error that is not an OctetError as a crash, with its stack', () => {
    const [r] = runText(RELU_CASE.join('\n'), rejectRelu(() => new TypeError('x is undefined')));
    expect(problemsOf(r)).toEqual([[1, 'crashed: x is undefined']]);
    expect(r.problems[0].detail).toContain('TypeError: x is undefined');
  });

  it('does not accept a result that fails the verifier', () => {
    const breakIt: Pipeline = (g) => {
      g.outputs = [];
      return g;
    };
    expect(problemsOf(runText(RELU_CASE.join('\n'), breakIt)[0])).toEqual([
      [undefined, 'unexpected error (no source line: expect it with expected-error@unknown): graph @g has no outputs'],
    ]);
  });

  it('says that CHECK lines cannot match when the case failed', () => {
    const pipeline = rejectRelu((op) => new DiagnosticError([{ message: 'no', op }]));
    const text = [...RELU_CASE.slice(0, 2), '  // expected-error@+1 {{no}}', ...RELU_CASE.slice(2), '// CHECK: tanh'].join('\n');
    expect(problemsOf(runText(text, pipeline)[0])).toEqual([[8, 'CHECK lines need the printed result, but the case failed with the errors above']]);
  });

  it('hands the RUN line passes to the pipeline, with the verifier after each', () => {
    const calls: unknown[] = [];
    const spy: Pipeline = (g, names, opts) => {
      calls.push([names, opts]);
      return g;
    };
    runText('// RUN: octet opt --passes=fold-batch-norm,fuse-activation --verify-each\ngraph @g(%x: f32[1]) {\n  return %x\n}', spy);
    expect(calls).toEqual([[['fold-batch-norm', 'fuse-activation'], { verifyEach: true }]]);
  });
});

describe('golden file format', () => {
  it('splits cases on // ----- and keeps file line numbers in each case', () => {
    const text = [
      '// RUN: octet opt', // 1
      'graph @a(%x: f32[1]) {', // 2
      '  return %x', // 3
      '}', // 4
      '// -----', // 5
      'graph @b(%x: f32[1]) {', // 6
      '  %y = relu(%x) : f32[2]', // 7: wrong declared shape
      '  return %y', // 8
      '}', // 9
      '// -----', // 10
      '', // 11: empty trailing case, not a case
    ].join('\n');
    const file = parseGoldenFile(text, 'f.qir');
    expect(file.cases.map((c) => [c.index, c.firstLine, c.lastLine])).toEqual([
      [0, 1, 4],
      [1, 6, 9],
    ]);
    const [a, b] = runGoldenFile(file, identityPipeline);
    expect(a.ok).toBe(true);
    expect(problemsOf(b)).toEqual([[7, "unexpected error: 'relu' op result is declared float32[2] but its operands give float32[1]"]]);
  });

  it('reads expected-error targets: @+N, @-N, this line, an absolute line, @unknown', () => {
    const file = parseGoldenFile(
      [
        '// RUN: octet opt',
        '// expected-error@+2 {{a}}',
        '// expected-error@-1 {{b}}',
        'x // expected-error {{c {{nested}} d}}',
        '// expected-error@2 {{e}}',
        '// expected-error@unknown {{f}}',
        '// expected-error@+9 {{outside}}',
        '// expected-error {{unclosed}',
        '// prose about expected-error is not a directive',
      ].join('\n'),
    );
    const [c] = file.cases;
    expect(c.expected.map((e) => [e.line, e.target, e.message])).toEqual([
      [2, 4, 'a'],
      [3, 2, 'b'],
      [4, 4, 'c {{nested}} d'],
      [5, 2, 'e'],
      [6, 'unknown', 'f'],
    ]);
    expect(c.problems.map((p) => [p.line, p.message])).toEqual([
      [7, 'expected-error points at line 16, outside its case (lines 1-9)'],
      [8, expect.stringMatching(/^malformed expected-error/)],
    ]);
  });

  it('pairs expected and produced diagnostics one to one, not greedily', () => {
    // "op" fits both diagnostics; a greedy pairing would give it the only one "relu op" fits
    const expected = [
      { target: 3, message: 'op', line: 2 },
      { target: 3, message: 'relu op', line: 2 },
    ];
    expect(matchDiagnostics(expected, [{ line: 3, message: 'relu op bad' }, { line: 3, message: 'tanh op bad' }])).toEqual([]);
    expect(matchDiagnostics(expected, [{ line: 3, message: 'relu op bad' }])).toEqual([
      { line: 2, message: 'expected error at line 3 was not produced: {{relu op}}', detail: '  produced there: relu op bad' },
    ]);
  });

  it('reads the RUN line options and rejects anything else', () => {
    expect(parseRunLine('// RUN: octet opt --passes a,b --verify-each')).toEqual({ passes: ['a', 'b'], elideConstantsAbove: Infinity });
    expect(parseRunLine('// RUN: octet opt %s --passes=a --elide-constants-above=4')).toEqual({ passes: ['a'], elideConstantsAbove: 4 });
    expect(parseRunLine('//RUN: octet opt')).toEqual({ passes: [], elideConstantsAbove: Infinity });
    expect(() => parseRunLine('graph @g() {', 'x.qir')).toThrow(GoldenFileError);
    expect(() => parseRunLine('// RUN: octet opt --print-ir-after-all', 'x.qir')).toThrow("x.qir:1: unknown option '--print-ir-after-all' in the RUN line");
    expect(() => parseRunLine('// RUN: octet opt --passes')).toThrow('--passes needs a value');
  });

  it('prints constants in full by default and elided when the RUN line asks', () => {
    const body = 'graph @g(%x: f32[4]) {\n  %c = const f32[4] [1, 2, 3, 4]\n  %y = add(%x, %c)\n  return %y\n}';
    const [full] = runText(`// RUN: octet opt\n${body}`);
    const [elided] = runText(`// RUN: octet opt --elide-constants-above 3\n${body}`);
    expect(full.output).toContain('%c = const f32[4] [1, 2, 3, 4]');
    expect(elided.output).toMatch(/%c = const f32\[4\] elided<[0-9a-f]{16}>/);
  });

  it('loads no pass package when the RUN line names no pass', async () => {
    expect(await loadPipeline([])).toBe(identityPipeline);
    expect(() => identityPipeline(null as never, ['fold-constants'], {})).toThrow(/runs no passes/);
  });

  it('checks the printed result, not the input text', () => {
    // the input writes -0.0 and no result types; the printer writes -0 and the types
    const text = '// RUN: octet opt\n// CHECK: [-0]\n// CHECK: relu(%c) : f32[1]\ngraph @g() {\n  %c = const f32[1] [-0.0]\n  %y = relu(%c)\n  return %y\n}';
    const [r] = runText(text);
    expect(problemsOf(r)).toEqual([]);
    expect(r.output).toBe('graph @g() {\n  %c = const f32[1] [-0]\n  %y = relu(%c) : f32[1]\n  return %y\n}\n');
  });
});
