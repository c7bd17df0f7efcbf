import { bool, OctetError, oneOf, type Graph } from '@octet/ir';
import { definePass, type PassContext } from '../pass.ts';
import { calibrate as calibrateAsync, calibrateSync, type CalibrateOptions } from '../quant/calibration.ts';
import { mseObserver } from '../quant/mse-observer.ts';
import { minMaxObserver, type DatasetEntry, type Observer, type RepresentativeDataset } from '../quant/statistics.ts';

/** The observers `calibrate{observer=…}` names. */
export const OBSERVERS: Readonly<Record<'minmax' | 'mse', Observer>> = { minmax: minMaxObserver as Observer, mse: mseObserver as Observer };

/** A graph without inputs has one possible entry, the empty one: it calibrates without a dataset. */
function datasetFor(graph: Graph, ctx: PassContext): RepresentativeDataset {
  const given = ctx.calibration?.dataset;
  if (given) return given;
  if (graph.inputs.length === 0) return [[]];
  throw new OctetError(
    `calibrate needs a representative dataset for graph @${graph.name} (inputs ${graph.inputs.map((v) => `'${v.name ?? '?'}'`).join(', ')}): pass calibration.dataset to the pipeline, or --representative to octet convert`,
  );
}

function optionsOf(ctx: PassContext): CalibrateOptions {
  const c = ctx.calibration;
  const named = (ctx.options?.observer ?? 'minmax') as keyof typeof OBSERVERS;
  return {
    ...(c?.samples !== undefined ? { samples: c.samples } : {}),
    ...(c?.onProgress ? { onProgress: c.onProgress } : {}),
    observer: c?.observer ?? OBSERVERS[named],
    channelMeans: ctx.options?.['channel-means'] === true,
  };
}

/** Statistics go to the pipeline's analyses, where quantize-activations (and the others) read them. */
function store(ctx: PassContext, stats: Awaited<ReturnType<typeof calibrateAsync>>): void {
  if (!ctx.analyses) throw new OctetError(`calibrate has nowhere to put its statistics: run it through runPipeline / runPipelineAsync (which share analyses along the pipeline)`);
  ctx.analyses.statistics = stats;
}

export const calibrate = definePass({
  name: 'calibrate',
  summary: 'Run the float model over a representative dataset and record each value’s range (TFLite’s global min/max)',
  description: `graph with %x, %c = conv_2d(%x, …), %y = relu(%c)  ==>  the same graph; analyses.statistics = {%x: [min, max], %c: […], %y: […]}
The float interpreter runs once per dataset entry (one array per model input); an observer folds every
float value it computes into a few numbers. The default, TFLite's: global min and max over all entries
(no moving average), NaN and ±Infinity skipped and counted; a value that never saw a finite number is an
error naming it. Memory holds the statistics, not the activations. A sync dataset runs in runPipeline,
an async one (an async generator) in runPipelineAsync. quantize-activations turns the ranges into
parameters; ranges folded from fake_quant ops take precedence.
Options: observer=mse clips the ranges of values that take both signs where that lowers the expected
squared quantization error (Octet's, beyond TFLite parity); channel-means=true also records the mean of
each channel of the values that conv_2d, depthwise_conv_2d and fully_connected read (for correct-bias).
An observer given in the pipeline's calibration input takes precedence over the named one.`,
  options: { observer: oneOf(['minmax', 'mse'], 'minmax'), 'channel-means': bool(false) },
  run(graph, ctx) {
    const dataset = datasetFor(graph, ctx);
    if (Symbol.asyncIterator in Object(dataset) && !(Symbol.iterator in Object(dataset))) {
      throw new OctetError(`calibrate got an async representative dataset: run the pipeline with runPipelineAsync`);
    }
    store(ctx, calibrateSync(graph, dataset as Iterable<DatasetEntry>, optionsOf(ctx)));
  },
  async runAsync(graph, ctx) {
    store(ctx, await calibrateAsync(graph, datasetFor(graph, ctx), optionsOf(ctx)));
  },
});
