import type { RepresentativeEntry, RepresentativeSource } from '@octet/data';
import type { Arithmetic } from '@octet/interpreter';
import { Command } from 'commander';
import { choiceOption, positiveInt, shapeList } from '../options.ts';
import type { OctetCommand } from './command.ts';

interface DebugOptions {
  representative: string;
  samples?: number;
  json?: string;
  html?: string;
  inputShape?: number[];
  integerOnly?: true;
  calibration: 'minmax' | 'mse';
  biasCorrection?: true;
  rounding: Arithmetic;
}

/** `octet debug`: TensorFlow's QuantizationDebugger in Octet, the float and int8 graphs side by side, layer by layer. */
export const debug: OctetCommand = {
  create: () =>
    new Command('debug')
      .summary('quantization error per layer: the float and the int8 graph side by side on the data (SQNR, RMSE, ranges)')
      .description(
        'Quantizes the model to int8 with the representative data (as octet convert --mode int8 does), runs the float graph and the ' +
          'int8 graph on the same samples, and reports for every quantized layer: scale, zero point, the range the parameters can represent ' +
          'against the range the float graph produced, RMSE of the dequantized output against float, RMSE / scale (in quantization steps; ' +
          'rounding alone gives 0.29), SQNR in dB. Flags the layer with the lowest SQNR, layers whose error exceeds twice the rounding error, ' +
          'and layers whose values were clipped.',
      )
      .argument('<model>', 'the float model: a tfjs model.json or a float .tflite')
      .requiredOption('--representative <data>', 'samples: a float32 .npy (one per row) or a JS module, as for octet convert; used to calibrate and to compare')
      .option('--samples <n>', 'use the first n samples (default: all)', positiveInt)
      .option('--json <file>', 'write the report as JSON (SQNR of an exact layer: null)')
      .option('--html <file>', 'write a self-contained HTML report with a bar chart of SQNR per layer')
      .option('--input-shape <dims>', 'model.json: static shape of the first input for dynamic dimensions', shapeList)
      .option('--integer-only', 'quantize as --integer-only does (fail on any op without an int8 kernel)')
      .addOption(choiceOption('--calibration <observer>', 'calibration observer, as for octet convert: minmax (TFLite) or mse', ['minmax', 'mse'] as const, 'minmax'))
      .option('--bias-correction', 'quantize as octet convert --bias-correction does')
      .addOption(choiceOption('--rounding <arithmetic>', 'integer arithmetic of the int8 graph: xnnpack (LiteRT) or reference', ['xnnpack', 'reference'] as const, 'xnnpack'))
      .action(run),
};

async function run(model: string, o: DebugOptions): Promise<void> {
  const [{ Converter }, data, { CliError }, le, html, { progressBar }, { writeAtomic, readBytes }, { existsSync }] = await Promise.all([
    import('@octet/converter'),
    import('@octet/data'),
    import('../errors.ts'),
    import('@octet/converter'),
    import('../debug/html.ts'),
    import('../progress.ts'),
    import('../io.ts'),
    import('node:fs'),
  ]);
  if (!model.endsWith('.json') && !model.endsWith('.tflite')) throw new CliError(`cannot tell what '${model}' is: give a tfjs model.json or a float .tflite`);
  if (model.endsWith('.json') && !existsSync(model)) throw new CliError(`cannot read '${model}': no such file or directory`);
  const limit = o.samples !== undefined ? { limit: o.samples } : {};
  const fail = (m: string) => new CliError(m);

  const source = model.endsWith('.json')
    ? Converter.fromModelJson(model, o.inputShape ? { inputShape: o.inputShape } : {})
    : Converter.fromTflite(await readBytes(model));
  const floatGraph = await source.convertToGraph();

  const quantizer = Converter.fromGraph(floatGraph);
  quantizer.optimizations = ['DEFAULT'];
  if (o.integerOnly) quantizer.targetSpec.supportedOps = ['TFLITE_BUILTINS_INT8'];
  quantizer.calibration = o.calibration;
  if (o.biasCorrection) quantizer.biasCorrection = true;
  if (o.samples !== undefined) quantizer.samples = o.samples;
  const calibration = await data.representativeDataset(o.representative);
  quantizer.representativeDataset = () => samples(calibration, fail);
  let bar: ReturnType<typeof progressBar> | undefined;
  quantizer.onProgress = (p) => {
    if (p.stage !== 'calibrate' || p.done === undefined) return;
    const known = Math.min(calibration.count ?? Infinity, o.samples ?? Infinity);
    bar ??= progressBar('calibrating', p.total ?? (Number.isFinite(known) ? known : undefined));
    bar.update(p.done, p.total);
  };
  let quantGraph;
  try {
    quantGraph = await quantizer.convertToGraph();
  } finally {
    bar?.stop();
  }

  // A second pass over the data (a .npy is read again; a module's generator function is called again).
  const comparison = await data.representativeDataset(o.representative, limit);
  const compareBar = progressBar('comparing', comparison.count);
  let layers;
  let meter;
  try {
    meter = new le.LayerErrorMeter(floatGraph, quantGraph, { arithmetic: o.rounding, onSample: (n) => compareBar.update(n) });
    for await (const s of samples(comparison, fail)) meter.add(s);
    if (meter.samples === 0) {
      throw new CliError(`${o.representative} gave no samples the second time it was read: export a generator function (or an array), not a generator object`);
    }
    layers = meter.result();
  } finally {
    compareBar.stop();
  }
  if (layers.length === 0) throw new CliError(`no value of the int8 graph matches a float value by name: nothing to compare (is the model quantized at all?)`);
  const flags = le.layerFlags(layers);
  const report = { model, samples: meter.samples, arithmetic: o.rounding, layers, flags };

  process.stdout.write(formatText(report, html));
  if (o.json) {
    const json = {
      model,
      samples: report.samples,
      arithmetic: o.rounding,
      layers: layers.map((l, i) => ({ ...l, sqnrDb: Number.isFinite(l.sqnrDb) ? l.sqnrDb : null, exact: l.sqnrDb === Infinity, flags: flags[i] })),
    };
    await writeAtomic(o.json, JSON.stringify(json, null, 2) + '\n');
  }
  if (o.html) await writeAtomic(o.html, html.renderDebugHtml(report));
}

/** Representative samples as arrays in input order (a record by name is refused, as octet convert does). */
async function* samples(source: RepresentativeSource, fail: (m: string) => Error): AsyncGenerator<Float32Array[]> {
  let i = 0;
  for await (const e of source as AsyncIterable<RepresentativeEntry>) {
    if (e instanceof Float32Array) yield [e];
    else if (Array.isArray(e)) yield e;
    else throw fail(`${source.origin}: sample ${i} is a record by input name: give samples in input order, an array of Float32Arrays, one per input`);
    i++;
  }
}

function formatText(r: import('../debug/html.ts').DebugReport, h: typeof import('../debug/html.ts')): string {
  const head = ['layer', 'op', 'scale', 'zp', 'range used', 'range seen', 'RMSE', 'RMSE/scale', 'SQNR', 'flags'];
  const rows = r.layers.map((l, i) => {
    const [scale, zp] = h.paramsText(l);
    return [l.name, l.op, scale, zp, h.rangeText(l.rangeUsed), h.rangeText(l.rangeSeen), h.g4(l.rmse), h.g4(l.rmseOverScale), h.sqnrText(l.sqnrDb), r.flags[i].join(', ')];
  });
  const widths = head.map((c, k) => Math.max(c.length, ...rows.map((row) => row[k].length)));
  const line = (cells: string[]) => cells.map((c, k) => c.padEnd(widths[k])).join('  ').trimEnd();
  const flagged = r.flags.filter((f) => f.length).length;
  return (
    [
      `${r.model}: ${r.layers.length} quantized layer${r.layers.length === 1 ? '' : 's'} compared on ${r.samples} sample${r.samples === 1 ? '' : 's'} (${r.arithmetic} arithmetic), ${flagged} flagged`,
      line(head),
      ...rows.map(line),
    ].join('\n') + '\n'
  );
}
