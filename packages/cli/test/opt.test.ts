import { parse } from '@octet/ir';
import { PASSES } from '@octet/passes';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { npxOctet, octet, REPO } from './run.ts';

const EXAMPLE = 'examples/conv_bn_relu.qir';
const CANONICALIZE = 'remove-identity,fold-batch-norm,fuse-activation';
const tmp = mkdtempSync(join(tmpdir(), 'octet-cli-'));

/** Counts op kinds in printed IR by parsing it back. */
function opKinds(text: string): string[] {
  return parse(text).ops.map((op) => op.kind);
}

/** A stack trace line as Node prints it. */
const STACK_LINE = /^\s+at /m;

describe('octet opt', () => {
  it('canonicalizes the example into one conv_2d with a fused relu (issue 2 acceptance, through npx)', async () => {
    const r = await npxOctet(['opt', '--passes', CANONICALIZE, EXAMPLE]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(opKinds(r.stdout)).toEqual(['conv_2d']);
    expect(r.stdout).toMatch(/= conv_2d\(.*\{fused_activation = "relu", padding = "same"\}/);
    expect(r.stdout).not.toMatch(/= (batch_norm|identity|relu)\(/);
  });

  it('reads standard input for -, with the same result as from the file', async () => {
    const fromFile = await octet(['opt', '--passes', CANONICALIZE, EXAMPLE]);
    const fromStdin = await octet(['opt', '--passes', CANONICALIZE, '-'], readFileSync(join(REPO, EXAMPLE), 'utf8'));
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    expect(opKinds(fromStdin.stdout)).toEqual(['conv_2d']);
  });

  it('without passes prints the graph back unchanged in meaning (every op, the example names)', async () => {
    const r = await octet(['opt', EXAMPLE]);
    expect(r.code).toBe(0);
    expect(opKinds(r.stdout)).toEqual(['conv_2d', 'batch_norm', 'identity', 'relu']);
    expect(r.stdout).toContain('%bn = batch_norm(%conv, %gamma, %beta, %mean, %var) {epsilon = 0.001}');
  });

  it('reports malformed IR on one line with file, line and column, exit 1, no stack trace', async () => {
    const file = join(tmp, 'bad.qir');
    // Line 3, column 3 is where `return` stands while relu's ')' is still expected.
    writeFileSync(file, 'graph @g(%x: f32[1,2]) {\n  %y = relu(%x\n  return %y\n}\n');
    const r = await octet(['opt', '--passes', 'fuse-activation', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`octet: ${file}:3:3: expected ')'\n`);
  });

  it('names standard input <stdin> in parse errors', async () => {
    const r = await octet(['opt', '-'], 'graph @g(%x: f32[1,2]) {\n  %y = frobnicate(%x)\n  return %y\n}\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^octet: <stdin>:2:8: unknown op 'frobnicate': known ops are const, conv_2d, /);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('--verify-each reports an invalid input at the offending op\'s line and column, exit 1', async () => {
    // Parses (types are inferred from the first operand), but the verifier rejects mixed dtypes.
    const text = 'graph @g(%x: f32[1,2], %i: i32[1,2]) {\n  %y = add(%x, %i)\n  return %y\n}\n';
    const r = await octet(['opt', '--verify-each', '-'], text);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    // The message is the verifier's; the location is the command's.
    expect(r.stderr).toMatch(/^octet: <stdin>:2:3: 'add' op [^\n]*float32[^\n]*int32[^\n]*\n$/);
    const unverified = await octet(['opt', '-'], text);
    expect(unverified.code).toBe(0);
  });

  it('rejects an unknown pass on one line listing every known pass, exit 1', async () => {
    const r = await npxOctet(['opt', '--passes', 'remove-identity,fold-batchnorm', EXAMPLE]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`octet: unknown pass 'fold-batchnorm': known passes are ${Object.keys(PASSES).join(', ')}\n`);
  });

  it('reports a missing file on one line', async () => {
    const r = await octet(['opt', 'no/such/file.qir']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("octet: cannot read 'no/such/file.qir': no such file or directory\n");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('--print-ir-after-all dumps the graph to stderr after each pass, in order; stdout has the result only', async () => {
    const r = await octet(['opt', '--print-ir-after-all', '--passes', CANONICALIZE, EXAMPLE]);
    expect(r.code).toBe(0);
    const headers = r.stderr.split('\n').filter((l) => l.startsWith('// -----// IR Dump After'));
    expect(headers).toEqual(CANONICALIZE.split(',').map((p) => `// -----// IR Dump After ${p} //----- //`));
    // After fold-batch-norm the relu is still there; after fuse-activation it is gone.
    const dumps = r.stderr.split(/^\/\/ -----\/\/ IR Dump After .* \/\/----- \/\/\n/m).slice(1);
    expect(dumps.map(opKinds)).toEqual([['conv_2d', 'batch_norm', 'relu'], ['conv_2d', 'relu'], ['conv_2d']]);
    expect(opKinds(r.stdout)).toEqual(['conv_2d']);
  });

  it('--elide-constants-above prints large constants as a hash and small ones in full', async () => {
    const r = await octet(['opt', '--elide-constants-above', '10', EXAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/%w = const f32\[3,3,3,2\] elided<[0-9a-f]{16}>/);
    expect(r.stdout).toContain('%b = const f32[3] [0.1, -0.1, 0.05]');
  });

  it('-o writes the result to a file and nothing to stdout', async () => {
    const out = join(tmp, 'out.qir');
    const r = await octet(['opt', '--passes', CANONICALIZE, EXAMPLE, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(opKinds(readFileSync(out, 'utf8'))).toEqual(['conv_2d']);
  });

  it('--trace prints one line per pass to stderr', async () => {
    const r = await octet(['opt', '--trace', '--passes', CANONICALIZE, EXAMPLE]);
    expect(r.code).toBe(0);
    const perPass = r.stderr.split('\n').filter((l) => /^\/\/ trace: pass /.test(l));
    expect(perPass.map((l) => l.split(' ')[3])).toEqual(['remove-identity:', 'fold-batch-norm:', 'fuse-activation:']);
  });

  it('rejects a bad option value with a usage error, exit 1', async () => {
    const r = await octet(['opt', '--elide-constants-above', 'many', EXAMPLE]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe("octet: option '--elide-constants-above <n>' argument 'many' is invalid. expected a non-negative integer.");
  });
});
