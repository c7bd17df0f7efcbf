import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { npmScripts, readmeCommands } from '../src/readme.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CI_RUN = join(REPO, '.ci/run');
const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

/** `.ci/run` copied beside a README of our own, run with `args`. */
function runWithReadme(readmeText: string, args: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'octet-ci-'));
  mkdirSync(join(dir, '.ci'));
  copyFileSync(CI_RUN, join(dir, '.ci/run'));
  writeFileSync(join(dir, 'README.md'), readmeText);
  // A clean environment: the variables must come from the script, not from the test runner.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? dir };
  return spawnSync('bash', [join(dir, '.ci/run'), ...args], { cwd: tmpdir(), encoding: 'utf8', env });
}

const block = (tests: string) => `# x\n\n<!-- commands:begin -->\nmain job:  true\ntests:     ${tests}\n<!-- commands:end -->\n`;

describe("the README's commands", () => {
  it('has the marked block with the main job and the test command', () => {
    expect(readmeCommands(readme)).toEqual({ mainJob: 'npm ci && npm run tutorial', tests: 'npm ci && npm test' });
  });

  it('names npm scripts that exist in the root package.json', () => {
    const scripts = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const { mainJob, tests } = readmeCommands(readme);
    const used = [...npmScripts(mainJob), ...npmScripts(tests)];
    expect(used).toEqual(['tutorial', 'test']);
    for (const s of used) expect(Object.keys(scripts)).toContain(s);
  });

  it('npmScripts reads npm test and npm run lines', () => {
    expect(npmScripts('npm ci && npm test && npm run coverage:ops')).toEqual(['test', 'coverage:ops']);
  });
});

describe('.ci/run', () => {
  it("runs the README's test command (what it would run, as the script reads it)", () => {
    const printed = execFileSync(CI_RUN, ['--print'], { encoding: 'utf8' });
    expect(printed).toBe(`${readmeCommands(readme).tests}\n`);
  });

  it('is committed executable with a bash shebang', () => {
    expect(readFileSync(CI_RUN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env bash');
    const mode = execFileSync('git', ['ls-files', '--stage', '.ci/run'], { cwd: REPO, encoding: 'utf8' }).split(' ')[0];
    expect(mode).toBe('100755');
  });

  it('runs the command from the checkout root with NX_DAEMON=false NX_NO_CLOUD=true CI=true', () => {
    const r = runWithReadme(block('echo "$NX_DAEMON $NX_NO_CLOUD $CI"; test -f README.md && test -x .ci/run && echo root'));
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('false true true');
    expect(lines[1]).toBe('root');
  });

  it('fails when the command fails, with its exit status, including inside an && chain', () => {
    expect(runWithReadme(block('exit 3')).status).toBe(3);
    const r = runWithReadme(block('echo first && false && echo never'));
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('first\n');
  });

  it('refuses a README without exactly one tests line', () => {
    const r = runWithReadme('# no block\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/README\.md needs exactly one 'tests:' line/);
    const two = runWithReadme('<!-- commands:begin -->\ntests: a\ntests: b\n<!-- commands:end -->\n');
    expect(two.status).toBe(2);
  });
});

describe('nx stays offline and daemon-free', () => {
  it('nx.json never connects to the cloud nor starts a daemon', () => {
    const nx = JSON.parse(readFileSync(join(REPO, 'nx.json'), 'utf8')) as Record<string, unknown>;
    expect(nx.neverConnectToCloud).toBe(true);
    expect(nx.useDaemonProcess).toBe(false);
    expect(nx).not.toHaveProperty('nxCloudAccessToken');
  });
});
