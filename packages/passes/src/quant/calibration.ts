import { DiagnosticError, OctetError, type Diagnostic, type Graph, type TypedArray, type Value } from '@octet/ir';
import { Interpreter } from '@octet/interpreter';
import { describeOp } from '../rewriter.ts';
import { minMaxObserver, type CalibrationInput, type CalibrationStatistics, type DatasetEntry, type Observer, type RepresentativeDataset } from './statistics.ts';

/** A representative dataset that cannot be used as given (wrong arity, size, type, or empty). */
export class CalibrationError extends OctetError {
  override name = 'CalibrationError';
}

export type CalibrateOptions = Omit<CalibrationInput, 'dataset'>;

/**
 * Runs the float interpreter over the dataset and folds every float value it computes (graph
 * inputs, op results) into the observer's statistics. One interpreter, one set of buffers: memory
 * holds the statistics, never the activations, whatever the dataset's length.
 */
export async function calibrate(graph: Graph, dataset: RepresentativeDataset, opts: CalibrateOptions = {}): Promise<CalibrationStatistics> {
  const run = startCalibration(graph, dataset, opts);
  if (Symbol.asyncIterator in dataset) {
    for await (const entry of dataset) if (!run.add(entry)) break;
  } else {
    for (const entry of dataset) if (!run.add(entry)) break;
  }
  return run.finish();
}

/** `calibrate` for a synchronous dataset (an array or a generator), without waiting. */
export function calibrateSync(graph: Graph, dataset: Iterable<DatasetEntry>, opts: CalibrateOptions = {}): CalibrationStatistics {
  if (!(Symbol.iterator in Object(dataset))) throw new CalibrationError(`the representative dataset is not iterable: give an array or a generator of entries`);
  const run = startCalibration(graph, dataset, opts);
  for (const entry of dataset) if (!run.add(entry)) break;
  return run.finish();
}

interface Calibration {
  /** Runs one entry; false once the `samples` limit is reached. */
  add(entry: DatasetEntry): boolean;
  finish(): CalibrationStatistics;
}

function startCalibration(graph: Graph, dataset: RepresentativeDataset, opts: CalibrateOptions): Calibration {
  const observer: Observer = opts.observer ?? (minMaxObserver as Observer);
  const limit = opts.samples;
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new CalibrationError(`samples must be a positive integer, got ${limit}`);
  const known = Array.isArray(dataset) ? dataset.length : undefined;
  const total = known !== undefined && limit !== undefined ? Math.min(known, limit) : (known ?? limit);

  const states = new Map<Value, unknown>();
  const producers = new Map<Value, string>();
  for (const v of graph.inputs) if (v.type.dtype === 'float32') states.set(v, observer.init());
  for (const op of graph.ops) {
    for (const o of op.outputs) {
      if (o.type.dtype !== 'float32') continue;
      states.set(o, observer.init());
      producers.set(o, describeOp(op));
    }
  }
  const sums = opts.channelMeans ? channelSums(graph) : new Map<Value, ChannelSum>();
  const interpreter = new Interpreter(graph, {
    onValue: (v, data) => {
      const s = states.get(v);
      if (s !== undefined) observer.update(s, data as Float32Array);
      sums.get(v)?.add(data as Float32Array);
    },
  });
  const staged = graph.inputs.map((v) => new Float32Array(v.type.shape.reduce((a, b) => a * b, 1)));
  let samples = 0;

  return {
    add(entry) {
      interpreter.run(checkEntry(graph, entry, samples, staged));
      samples++;
      opts.onProgress?.({ samples, ...(total !== undefined ? { total } : {}) });
      return limit === undefined || samples < limit;
    },
    finish() {
      if (samples === 0) throw new CalibrationError(`the representative dataset gave no entries: give at least one entry (one array per model input)`);
      const values = new Map<Value, ReturnType<Observer['result']>>();
      const problems: Diagnostic[] = [];
      for (const [v, s] of states) {
        const r = observer.result(s);
        values.set(v, r);
        if (r.finite > 0) continue;
        const what = producers.get(v) ?? `input '${v.name ?? '?'}'`;
        problems.push({
          message: `${what} saw no finite value in ${samples} calibration sample${samples === 1 ? '' : 's'} (${r.nan} NaN, ${r.infinite} infinite): it has no range to quantize; check the model and the representative data`,
          ...(v.producer ? { op: v.producer } : {}),
        });
      }
      if (problems.length) throw new DiagnosticError(problems);
      const channelMeans = opts.channelMeans ? { channelMeans: new Map([...sums].map(([v, s]) => [v, s.means()])) } : {};
      return { observer: observer.name, samples, values, ...channelMeans };
    },
  };
}

/** The float values that weighted ops read as data: their channel means are what correct-bias needs. */
const WEIGHTED = new Set(['conv_2d', 'depthwise_conv_2d', 'fully_connected']);

interface ChannelSum {
  add(data: Float32Array): void;
  /** Per channel (last axis), the mean over every position seen (NaN and infinities skipped). */
  means(): Float64Array;
}

function channelSums(graph: Graph): Map<Value, ChannelSum> {
  const sums = new Map<Value, ChannelSum>();
  for (const op of graph.ops) {
    const x = op.inputs[0];
    if (!WEIGHTED.has(op.kind) || !x || x.type.dtype !== 'float32' || x.data || sums.has(x)) continue;
    // fully_connected reads its input as rows of the weights' inner size, whatever the input's rank
    const channels = op.kind === 'fully_connected' ? op.inputs[1].type.shape[1] : x.type.shape[x.type.shape.length - 1];
    const sum = new Float64Array(channels);
    const count = new Float64Array(channels);
    const sumBefore = new Float64Array(channels);
    sums.set(x, {
      add(data) {
        // position by position, channels innermost; a NaN or infinity spoils its channel's sum, which
        // is then redone skipping them (rare: calibration data is normally finite)
        const positions = data.length / channels;
        for (let p = 0, i = 0; p < positions; p++) for (let c = 0; c < channels; c++, i++) sum[c] += data[i];
        for (let c = 0; c < channels; c++) {
          if (sum[c] - sum[c] === 0) {
            count[c] += positions;
            continue;
          }
          let s = 0;
          let n = 0;
          for (let i = c; i < data.length; i += channels) if (data[i] - data[i] === 0) (s += data[i]), n++;
          sum[c] = sumBefore[c] + s;
          count[c] += n;
        }
        sumBefore.set(sum);
      },
      means: () => sum.map((s, c) => (count[c] > 0 ? s / count[c] : 0)),
    });
  }
  return sums;
}

/** The entry as the interpreter's inputs: one float32 array per input, of the input's size (converted from other numeric arrays). */
function checkEntry(graph: Graph, entry: DatasetEntry, index: number, staged: Float32Array[]): TypedArray[] {
  const names = graph.inputs.map((v) => `'${v.name ?? '?'}'`).join(', ');
  if (!Array.isArray(entry)) {
    throw new CalibrationError(`representative dataset entry ${index} is not an array: yield one array per model input (${names}), e.g. [x]`);
  }
  if (entry.length !== graph.inputs.length) {
    throw new CalibrationError(`representative dataset entry ${index} has ${entry.length} arrays, the model takes ${graph.inputs.length} input${graph.inputs.length === 1 ? '' : 's'} (${names}): give one array per input, in order`);
  }
  return graph.inputs.map((v, i) => {
    const data = entry[i];
    const n = staged[i].length;
    if (v.type.dtype !== 'float32') {
      throw new CalibrationError(`input '${v.name}' is ${v.type.dtype}: calibration runs the float model; calibrate before retyping inputs`);
    }
    const length = (data as { length?: unknown } | null)?.length;
    if (typeof length !== 'number' || (!ArrayBuffer.isView(data) && !Array.isArray(data))) {
      throw new CalibrationError(`representative dataset entry ${index}, input '${v.name}': expected an array of ${n} numbers, got ${data === null ? 'null' : typeof data}`);
    }
    if (length !== n) {
      throw new CalibrationError(`representative dataset entry ${index}, input '${v.name}' of shape [${v.type.shape.join(',')}]: expected ${n} values, got ${length}`);
    }
    if (data instanceof Float32Array) return data;
    const out = staged[i];
    for (let k = 0; k < n; k++) out[k] = Number((data as ArrayLike<number | bigint>)[k]);
    return out;
  });
}
