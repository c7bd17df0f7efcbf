import type { Arithmetic } from '@octet/interpreter';
import type { TypedArray } from '@octet/ir';
import { Command } from 'commander';
import { choiceOption, collect } from '../options.ts';
import type { OctetCommand } from './command.ts';

interface RunOptions {
  input: string[];
  output: string;
  rounding: Arithmetic;
  kernels: 'fast' | 'reference';
  dequantizeOutput?: true;
}

/** `octet run`: Octet's interpreter over the rows of .npy inputs, one inference per row. */
export const run: OctetCommand = {
  create: () =>
    new Command('run')
      .summary("run a .tflite with Octet's interpreter over .npy inputs, one inference per row")
      .description(
        "Runs a .tflite with Octet's interpreter, once per row of the inputs: row i of each --input has the model input's shape without " +
          'its batch of 1 ([N,28,28] for an input [1,28,28]). Writes the outputs stacked the same way, in the output dtype ' +
          '(several outputs: y.0.npy, y.1.npy, ...). Float32 rows fed to an int8/uint8 input are quantized as a QUANTIZE op at the ' +
          "model's boundary would in the chosen arithmetic (xnnpack: ties to even; reference: ties away from zero), saturating, " +
          'and the command says so on stderr; other dtype mismatches are errors.',
      )
      .argument('<model>', 'the .tflite to run')
      .requiredOption('--input <x.npy>', 'one .npy per model input, in input order (repeat the flag)', collect)
      .requiredOption('-o, --output <y.npy>', 'where to write the output (y.0.npy, y.1.npy, ... for several)')
      .addOption(
        choiceOption(
          '--rounding <arithmetic>',
          "integer arithmetic: xnnpack (what LiteRT computes by default) or reference (TFLite's reference kernels); float kernels ignore it",
          ['xnnpack', 'reference'] as const,
          'xnnpack',
        ),
      )
      .addOption(
        choiceOption(
          '--kernels <kernels>',
          "fast (WebAssembly SIMD, bit for bit the reference kernels) or reference (the TypeScript reference kernels alone): the same outputs, at different speeds",
          ['fast', 'reference'] as const,
          'fast',
        ),
      )
      .option('--dequantize-output', 'write int8/uint8 outputs as float32: scale · (q − zero point)')
      .action(runModel),
};

async function runModel(model: string, o: RunOptions): Promise<void> {
  const [{ readBytes }, { read }, { Interpreter }, { CliError }, t, { writeNpy }] = await Promise.all([
    import('../io.ts'),
    import('@octet/tflite'),
    import('@octet/interpreter'),
    import('../errors.ts'),
    import('../tensors.ts'),
    import('@octet/data'),
  ]);
  const graph = read(await readBytes(model));
  if (o.input.length !== graph.inputs.length) {
    const names = graph.inputs.map((v) => `'${v.name ?? '?'}' ${v.type.dtype}[${v.type.shape.join(',')}]`).join(', ');
    throw new CliError(`${model} takes ${graph.inputs.length} input${graph.inputs.length === 1 ? '' : 's'} (${names}), got ${o.input.length} --input: give one .npy per input, in order`);
  }
  const rows = await Promise.all(o.input.map((f) => t.readRows(f)));
  rows.forEach((r, i) => t.checkRowsFit(r, graph.inputs[i], 'model input'));
  const count = rows[0].count;
  const uneven = rows.find((r) => r.count !== count);
  if (uneven) throw new CliError(`${rows[0].file} has ${count} rows, ${uneven.file} has ${uneven.count}: give every input the same number of rows (one inference per row)`);
  const feeds = await Promise.all(rows.map((r, i) => t.feedFor(r, graph.inputs[i], { arithmetic: o.rounding })));
  for (const f of feeds) if (f.note) process.stderr.write(`octet: note: ${f.note}\n`);

  const outputs = await Promise.all(
    graph.outputs.map(async (v) => {
      const rowShape = t.rowShapeOf(v.type.shape);
      const size = rowShape.reduce((a, b) => a * b, 1);
      const dequantize = o.dequantizeOutput && t.isQuantizedDType(v.type.dtype) && v.type.quant ? await t.dequantizer(v.type) : undefined;
      const { allocate } = await import('@octet/ir');
      const data = allocate(dequantize ? 'float32' : v.type.dtype, count * size);
      return { value: v, rowShape, size, dequantize, data };
    }),
  );
  const files = outputFiles(o.output, outputs.length);
  const unsupported = outputs.find((x) => !npyWritable(x.data));
  if (unsupported) throw new CliError(`output '${unsupported.value.name ?? '?'}' is ${unsupported.value.type.dtype}, which .npy files here do not hold: run a model whose outputs are float32, int8, uint8, int32 or int64`);

  const it = new Interpreter(graph, { arithmetic: o.rounding, kernels: o.kernels });
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const ys = it.run(feeds.map((f, k) => f.convert(t.row(rows[k], i))));
    outputs.forEach((x, k) => {
      const y: TypedArray = x.dequantize ? x.dequantize(ys[k]) : ys[k];
      (x.data as TypedArray & { set(a: TypedArray, at: number): void }).set(y, i * x.size);
    });
  }
  const ms = performance.now() - t0;
  outputs.forEach((x, k) => writeNpy(files[k], { shape: [count, ...x.rowShape], data: x.data as Parameters<typeof writeNpy>[1]['data'] }));
  outputs.forEach((x, k) => {
    const dtype = x.dequantize ? `float32 (dequantized from ${x.value.type.dtype})` : x.value.type.dtype;
    process.stdout.write(`${files[k]}: ${dtype} [${[count, ...x.rowShape].join(', ')}], output '${x.value.name ?? k}'\n`);
  });
  process.stdout.write(`${count} inference${count === 1 ? '' : 's'} in ${ms.toFixed(0)} ms (${o.rounding} arithmetic, ${o.kernels} kernels)\n`);
}

/** y.npy for one output; y.0.npy, y.1.npy, ... for several. */
export function outputFiles(file: string, n: number): string[] {
  if (n === 1) return [file];
  const stem = file.endsWith('.npy') ? file.slice(0, -4) : file;
  return Array.from({ length: n }, (_, k) => `${stem}.${k}.npy`);
}

const npyWritable = (a: TypedArray) =>
  a instanceof Float32Array || a instanceof Int8Array || a instanceof Uint8Array || a instanceof Int32Array || a instanceof BigInt64Array;
