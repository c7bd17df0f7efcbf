import type { Graph } from '@octet/ir';
import { Command } from 'commander';
import { nonNegativeInt } from '../options.ts';
import type { OctetCommand } from './command.ts';

interface OptOptions {
  passes?: string;
  printIrAfterAll?: true;
  verifyEach?: true;
  elideConstantsAbove?: number;
  trace?: true;
  output?: string;
}

/** `octet opt`: IR text in, passes, IR text out; mlir-opt's loop for golden tests and debugging. */
export const opt: OctetCommand = {
  create: () =>
    new Command('opt')
      .summary('run passes over IR text and print the result (like mlir-opt)')
      .description('Reads a graph in Octet IR text, runs the named passes in order and prints the result.')
      .argument('<file>', "IR text to read ('-' reads standard input)")
      .option('--passes <names>', 'comma-separated pass names, run in order (default: none; the graph is printed back)')
      .option('--print-ir-after-all', 'print the graph to stderr after every pass')
      .option('--verify-each', 'verify the input and the graph after every pass')
      .option('--elide-constants-above <n>', 'print constants with more than n elements as a content hash (default: print all)', nonNegativeInt)
      .option('--trace', 'print the rewrite trace (patterns that fired, ops per pass) to stderr')
      .option('-o, --output <file>', 'where to write the result (default: standard output)')
      .action(run),

  async prepare(command) {
    const { PASSES } = await import('@octet/passes');
    const width = Math.max(...Object.keys(PASSES).map((n) => n.length));
    const lines = Object.values(PASSES).map((p) => `  ${p.name.padEnd(width)}  ${p.summary}`);
    command.addHelpText('after', `\nPasses:\n${lines.join('\n')}\n`);
  },
};

async function run(file: string, o: OptOptions): Promise<void> {
  const [ir, passes, io, irInput] = await Promise.all([import('@octet/ir'), import('@octet/passes'), import('../io.ts'), import('../ir-input.ts')]);
  const { CliError } = await import('../errors.ts');
  // Names are checked before reading: a typo should not wait for a large stdin.
  const names = passes.parsePipeline(o.passes ?? '');
  const input = await io.readInput(file);
  const graph = irInput.parseIr(input);
  const printOpts = { elideConstantsAbove: o.elideConstantsAbove ?? Infinity };
  try {
    passes.runPipeline(graph, names, {
      verifyEach: o.verifyEach === true,
      ...(o.printIrAfterAll && {
        printIrAfterAll: (pass: string, g: Graph) => process.stderr.write(`// -----// IR Dump After ${pass} //----- //\n${ir.print(g, printOpts)}\n`),
      }),
      ...(o.trace && { trace: (event: string) => process.stderr.write(`// trace: ${event}\n`) }),
    });
  } catch (e) {
    // The input itself is invalid: point at each offending line, as the parser does.
    if (e instanceof passes.PassVerificationError && e.pass === '') throw new CliError(irInput.locateDiagnostics(input, e.diagnostics).join('\n'));
    throw e;
  }
  await io.writeOutput(o.output, ir.print(graph, printOpts));
}
