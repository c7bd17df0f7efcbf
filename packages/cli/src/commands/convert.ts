import type { Converter } from '@octet/converter';
import type { RepresentativeEntry, RepresentativeSource } from '@octet/data';
import { Command } from 'commander';
import { choiceOption, positiveInt, shapeList } from '../options.ts';
import type { OctetCommand } from './command.ts';

const MODES = ['float', 'dynamic', 'float16', 'int8'] as const;
const IO_TYPES = ['float32', 'int8', 'uint8'] as const;
type Mode = (typeof MODES)[number];
type IoType = (typeof IO_TYPES)[number];

interface ConvertOptions {
  output?: string;
  inputShape?: number[];
  mode: Mode;
  representative?: string;
  samples?: number;
  integerOnly?: true;
  inputType: IoType;
  outputType: IoType;
  calibration: 'minmax' | 'mse';
  biasCorrection?: true;
  perTensorDense?: true;
  printPipeline?: true;
}

/**
 * `octet convert`: a tfjs model.json (or a float .tflite) to a .tflite file. Each flag is one
 * option of the Converter (issue 4's table), so that the command and the API cannot disagree:
 *
 *   --mode dynamic              optimizations = ['DEFAULT']
 *   --mode float16              optimizations = ['DEFAULT'], targetSpec.supportedTypes = ['float16']
 *   --mode int8                 optimizations = ['DEFAULT'], representativeDataset (--representative); --samples: samples
 *   --integer-only              targetSpec.supportedOps = ['TFLITE_BUILTINS_INT8']
 *   --input-type/--output-type  inferenceInputType / inferenceOutputType
 *   --calibration               calibration;  --per-tensor-dense: perChannelDense = false
 *   --bias-correction           biasCorrection = true
 */
export const convert: OctetCommand = {
  create: () =>
    new Command('convert')
      .summary('convert a TensorFlow.js model (or a float .tflite) to a .tflite file')
      .description(
        'Converts a TensorFlow.js model.json (layers or graph format, with its weight shards) or a float .tflite to TensorFlow Lite: ' +
          "float, dynamic range, float16 or int8 (TFLiteConverter's conversions). The file is written whole or not at all.",
      )
      .argument('<model>', 'model.json (layers or graph format) or a float .tflite')
      .option('-o, --output <file>', 'the .tflite file to write (required unless --print-pipeline)')
      .option('--input-shape <dims>', 'static shape of the (first) input for dynamic dimensions, with or without its batch, e.g. 1,224,224,3', shapeList)
      .addOption(choiceOption('--mode <mode>', "float; dynamic (int8 weights, float activations); float16 (half weights); int8 (full integer, float fallback unless --integer-only)", MODES, 'float'))
      .option('--representative <data>', 'calibration data for --mode int8: a float32 .npy (one sample per row, the input\'s shape without its batch of 1) or a JS module whose default export is an (async) iterable of samples')
      .option('--samples <n>', 'use the first n samples of --representative (default: all)', positiveInt)
      .option('--integer-only', "fail on any op without an int8 kernel instead of keeping it float (supportedOps TFLITE_BUILTINS_INT8)")
      .addOption(choiceOption('--input-type <type>', 'type of the model inputs (int8 and uint8 need --mode int8)', IO_TYPES, 'float32'))
      .addOption(choiceOption('--output-type <type>', 'type of the model outputs (int8 and uint8 need --mode int8)', IO_TYPES, 'float32'))
      .addOption(choiceOption('--calibration <observer>', "calibration observer: minmax is TFLite's global min/max; mse clips two-signed ranges where that lowers the expected squared error (beyond TFLite)", ['minmax', 'mse'] as const, 'minmax'))
      .option('--bias-correction', "with --mode int8: move each conv/dense op's mean weight-rounding error on the representative data into its bias (beyond TFLite)")
      .option('--per-tensor-dense', 'per-tensor weights for fully_connected (what microcontroller runtimes need; default per channel)')
      .option('--print-pipeline', 'print the passes this conversion runs (comma-separated, as octet opt --passes takes them) and exit')
      .addHelpText(
        'after',
        '\nExamples:\n' +
          '  octet convert model.json -o model.tflite\n' +
          '  octet convert model.json -o model_int8.tflite --mode int8 --representative train100.npy --integer-only --input-type uint8 --output-type uint8\n',
      )
      .action(run),
};

async function run(model: string, o: ConvertOptions): Promise<void> {
  const { CliError } = await import('../errors.ts');
  checkFlags(o, (m) => new CliError(m));
  const converter = await converterFor(model, o);
  applyOptions(converter, o);
  if (o.printPipeline) {
    // The Converter reads int8 from the presence of a dataset (as TensorFlow's does); the passes do not depend on its samples.
    if (o.mode === 'int8' && !converter.representativeDataset) converter.representativeDataset = () => [];
    process.stdout.write(converter.pipeline().join(',') + '\n');
    return;
  }
  const { progressBar } = await import('../progress.ts');
  let source: RepresentativeSource | undefined;
  if (o.representative !== undefined) {
    const { representativeDataset } = await import('@octet/data');
    source = await representativeDataset(o.representative);
    const from = source;
    converter.representativeDataset = () => entries(from, (m) => new CliError(m));
  }
  let bar: ReturnType<typeof progressBar> | undefined;
  converter.onProgress = (p) => {
    if (p.stage !== 'calibrate' || p.done === undefined) return;
    const known = Math.min(source?.count ?? Infinity, o.samples ?? Infinity);
    bar ??= progressBar('calibrating', p.total ?? (Number.isFinite(known) ? known : undefined));
    bar.update(p.done, p.total);
  };
  const t0 = performance.now();
  let bytes: Uint8Array;
  try {
    bytes = await converter.convert();
  } finally {
    bar?.stop();
  }
  const ms = performance.now() - t0;
  const { writeAtomic } = await import('../io.ts');
  await writeAtomic(o.output!, bytes);
  process.stdout.write(`${o.output}: ${bytes.length} bytes, ${describe(o)}, converted in ${ms.toFixed(0)} ms\n`);
}

/** The flag combinations the Converter cannot see as wrong (it has no notion of a file on the command line). */
function checkFlags(o: ConvertOptions, fail: (message: string) => Error): void {
  if (o.output === undefined && !o.printPipeline) throw fail("convert needs -o <out.tflite>: the file to write (or --print-pipeline to only show the passes)");
  if (o.mode === 'int8' && o.representative === undefined && !o.printPipeline) {
    throw fail('--mode int8 needs --representative <data.npy|module.js>: calibration data, e.g. the first 100 training inputs as a float32 .npy');
  }
  if (o.mode !== 'int8' && o.representative !== undefined) {
    throw fail(`--representative calibrates --mode int8, not --mode ${o.mode}: add --mode int8 or drop --representative`);
  }
  if (o.samples !== undefined && o.representative === undefined) throw fail('--samples limits --representative: give the data too');
  if (o.mode !== 'int8') {
    // The Converter says the same in API terms; here in the flags' terms.
    if (o.integerOnly) throw fail(`--integer-only needs --mode int8 (got --mode ${o.mode}): only a fully quantized model can be integer-only`);
    const io = o.inputType !== 'float32' ? `--input-type ${o.inputType}` : o.outputType !== 'float32' ? `--output-type ${o.outputType}` : undefined;
    if (io) throw fail(`${io} needs --mode int8 (got --mode ${o.mode}): only a fully quantized model has int8 or uint8 inputs and outputs`);
    const cal = o.biasCorrection ? '--bias-correction' : o.calibration !== 'minmax' ? `--calibration ${o.calibration}` : undefined;
    if (cal) throw fail(`${cal} needs --mode int8 (got --mode ${o.mode}): only full integer quantization calibrates`);
  }
}

async function converterFor(model: string, o: ConvertOptions): Promise<Converter> {
  const [{ Converter }, { CliError }] = await Promise.all([import('@octet/converter'), import('../errors.ts')]);
  if (model.endsWith('.tflite')) {
    if (o.inputShape) throw new CliError(`--input-shape is for a model.json with dynamic dimensions: ${model} is a .tflite, whose shapes are static`);
    const { readBytes } = await import('../io.ts');
    return Converter.fromTflite(await readBytes(model));
  }
  if (!model.endsWith('.json')) throw new CliError(`cannot tell what '${model}' is: give a tfjs model.json (layers or graph format) or a float .tflite`);
  const { existsSync } = await import('node:fs');
  if (!existsSync(model)) throw new CliError(`cannot read '${model}': no such file or directory`);
  return Converter.fromModelJson(model, o.inputShape ? { inputShape: o.inputShape } : {});
}

function applyOptions(c: Converter, o: ConvertOptions): void {
  if (o.mode !== 'float') c.optimizations = ['DEFAULT'];
  if (o.mode === 'float16') c.targetSpec.supportedTypes = ['float16'];
  if (o.integerOnly) c.targetSpec.supportedOps = ['TFLITE_BUILTINS_INT8'];
  c.inferenceInputType = o.inputType;
  c.inferenceOutputType = o.outputType;
  c.calibration = o.calibration;
  if (o.biasCorrection) c.biasCorrection = true;
  c.perChannelDense = !o.perTensorDense;
  if (o.samples !== undefined) c.samples = o.samples;
}

/** Samples of @octet/data as the Converter's entries: one array per model input, in input order. */
async function* entries(source: RepresentativeSource, fail: (message: string) => Error): AsyncGenerator<Float32Array[]> {
  let i = 0;
  for await (const e of source as AsyncIterable<RepresentativeEntry>) {
    if (e instanceof Float32Array) yield [e];
    else if (Array.isArray(e)) yield e;
    else throw fail(`${source.origin}: sample ${i} is a record by input name: octet convert passes samples in input order; yield an array of Float32Arrays, one per input`);
    i++;
  }
}

function describe(o: ConvertOptions): string {
  const parts: string[] = [o.mode];
  if (o.integerOnly) parts.push('integer-only');
  if (o.inputType !== 'float32' || o.outputType !== 'float32') parts.push(`${o.inputType} in, ${o.outputType} out`);
  if (o.calibration !== 'minmax') parts.push(`${o.calibration} calibration`);
  if (o.biasCorrection) parts.push('bias-corrected');
  return parts.join(', ');
}
