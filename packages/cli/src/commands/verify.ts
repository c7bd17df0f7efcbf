import { Command } from 'commander';
import type { OctetCommand } from './command.ts';

/** `octet verify`: the emitted-file verifier of packages/tflite (the rules LiteRT does not enforce). */
export const verify: OctetCommand = {
  create: () =>
    new Command('verify')
      .summary('check a .tflite against the TFLite int8 rules and its own structure; every problem with its rule id')
      .description(
        'Checks a .tflite file: its structure (buffer, opcode and tensor indices, quantization array lengths, quantized dimension, ' +
          'buffer sizes), then the int8 rules on the graph (bias scale = input scale × weight scale per channel, weight zero points 0 ' +
          'and values in [-127, 127], same-scale and fixed-scale ops, ...). LiteRT runs some of these violations silently. Prints every ' +
          'problem as `octet: <file>: <message> [<rule>]` and exits 1 if there is any; prints one line and exits 0 otherwise.',
      )
      .argument('<model>', 'the .tflite to check')
      .action(check),
};

async function check(model: string): Promise<void> {
  const [{ readBytes }, { checkFile, inspect }, { CliError }] = await Promise.all([import('../io.ts'), import('@octet/tflite'), import('../errors.ts')]);
  const bytes = await readBytes(model);
  const problems = checkFile(bytes);
  if (problems.length) {
    throw new CliError(problems.map((p) => `${model}: ${p.message.replace(/\n/g, ' ')} [${p.rule}]`).join('\n'));
  }
  const m = inspect(bytes);
  const ops = m.subgraphs.reduce((a, s) => a + s.operators.length, 0);
  const tensors = m.subgraphs.reduce((a, s) => a + s.tensors.length, 0);
  process.stdout.write(`${model}: ok (${ops} operators, ${tensors} tensors, ${m.buffers.length} buffers checked)\n`);
}
