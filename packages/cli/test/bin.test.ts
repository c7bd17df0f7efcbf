import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, npxOctet, octet, REPO, spawnIn } from './run.ts';

const VERSION = (JSON.parse(readFileSync(join(REPO, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;

describe('the octet bin', () => {
  it('--version prints the version of packages/cli/package.json', async () => {
    const r = await octet(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
  });

  it('--help lists the commands, exit 0', async () => {
    const r = await octet(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: octet \[options\] \[command\]/);
    expect(r.stdout).toMatch(/^ {2}opt \[options\] <file> +run passes over IR text/m);
  });

  it('each command has --help; opt lists its options and every pass', async () => {
    const r = await octet(['opt', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: octet opt \[options\] <file>/);
    for (const flag of ['--passes <names>', '--print-ir-after-all', '--verify-each', '--elide-constants-above <n>']) expect(r.stdout).toContain(flag);
    for (const pass of ['remove-identity', 'fold-batch-norm', 'fuse-activation', 'fold-constants']) expect(r.stdout).toMatch(new RegExp(`^ {2}${pass} +\\S`, 'm'));
    const viaHelpCommand = await octet(['help', 'opt']);
    expect(viaHelpCommand.stdout).toBe(r.stdout);
  });

  it('every command has --help with its usage line, and octet --help lists them all', async () => {
    const commands = ['convert', 'inspect', 'run', 'verify', 'eval', 'debug', 'opt'];
    const [top, ...each] = await Promise.all([octet(['--help']), ...commands.map((c) => octet([c, '--help']))]);
    for (const c of commands) expect(top.stdout).toMatch(new RegExp(`^ {2}${c} `, 'm'));
    each.forEach((r, i) => {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: octet ${commands[i]} \\[options\\] <(model|file)>`));
    });
  });

  it('an unknown command is a usage error on stderr, exit 1', async () => {
    const r = await octet(['frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe("octet: unknown command 'frobnicate'");
  });

  it('is committed executable with a node shebang (npm links it as is, no build step)', () => {
    expect(readFileSync(BIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const mode = execFileSync('git', ['ls-files', '--stage', 'packages/cli/bin/octet.js'], { cwd: REPO, encoding: 'utf8' }).split(' ')[0];
    expect(mode).toBe('100755');
  });
});

// An unlinked `npx octet` would silently fetch an unrelated registry package named "octet".
describe('npx octet runs this repository\'s package', () => {
  it('node_modules/.bin/octet is linked to packages/cli/bin/octet.js', () => {
    expect(realpathSync(join(REPO, 'node_modules/.bin/octet'))).toBe(realpathSync(BIN));
  });

  it('npx --no-install octet --version prints our version', async () => {
    const r = await npxOctet(['--version']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${VERSION}\n`);
  });

  it('the octet that npx puts first on PATH resolves inside the repository', async () => {
    const r = await spawnIn(REPO, 'npx', ['--no-install', '-c', 'command -v octet']);
    expect(r.code).toBe(0);
    expect(realpathSync(r.stdout.trim())).toBe(realpathSync(BIN));
  });

  it('plain npx octet (what the README says) is ours too, from a package subdirectory', async () => {
    const r = await spawnIn(join(REPO, 'packages/ir'), 'npx', ['octet', '--version']);
    expect(r.stdout).toBe(`${VERSION}\n`);
  });
});
