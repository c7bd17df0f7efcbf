import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import type { OctetCommand } from './commands/command.ts';
import { COMMANDS } from './commands/index.ts';
import { reportError } from './report.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The `octet` program: global options and every command of commands/index.ts. */
export function createProgram(commands: readonly OctetCommand[] = COMMANDS): Command {
  const program = new Command('octet')
    .description('Octet: a compiler from TensorFlow.js models to TensorFlow Lite, float and int8.')
    .version(VERSION, '-V, --version', 'print the version')
    .configureOutput({ outputError: (text, write) => write(`octet: ${text.replace(/^error: /, '')}`) })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const prepare = new Map<Command, NonNullable<OctetCommand['prepare']>>();
  for (const c of commands) {
    const command = c.create();
    // addCommand (unlike .command()) does not copy the parent's settings: error output, exitOverride.
    command.copyInheritedSettings(program);
    program.addCommand(command);
    if (c.prepare) prepare.set(command, c.prepare);
  }
  program.hook('preSubcommand', async (_, command) => {
    await prepare.get(command)?.(command);
  });
  return program;
}

/** Runs `octet` on `argv` (without node and the script) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  // `octet opt big.qir | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
  // `octet help opt` prints help without commander's hooks: make it `octet opt --help` so that
  // the command's prepare step (which adds to its help) runs.
  const args = argv[0] === 'help' && argv.length === 2 ? [argv[1], '--help'] : argv;
  try {
    await createProgram().parseAsync(args, { from: 'user' });
    return 0;
  } catch (e) {
    // Commander has already printed its usage errors, its help and the version.
    if (e instanceof CommanderError) return e.exitCode;
    return reportError(e, (text) => process.stderr.write(text));
  }
}
