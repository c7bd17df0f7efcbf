import type { TypedArray, Value } from '@octet/ir';

/**
 * Calibration: the analysis half of post-training quantization. Observers fold every float value the
 * interpreter computes into a few numbers per value (statistics, never activations), and
 * quantize-activations turns those numbers into parameters.
 */

/** One dataset entry: one array per model input, in input order (float32 data of the input's size). */
export type DatasetEntry = readonly (TypedArray | ArrayLike<number>)[];

/** A representative dataset: any sync or async iterable of entries (an array, a generator, an async generator). */
export type RepresentativeDataset = Iterable<DatasetEntry> | AsyncIterable<DatasetEntry>;

export interface CalibrationProgress {
  /** Entries run so far. */
  samples: number;
  /** Entries in all, when known (an array dataset, or a `samples` limit). */
  total?: number;
}

/** What `calibrate` reads besides the graph. */
export interface CalibrationInput {
  dataset?: RepresentativeDataset;
  /** Use at most this many entries (`--samples N`). */
  samples?: number;
  /** Called after every entry. */
  onProgress?: (p: CalibrationProgress) => void;
  /** The observer; TFLite's global min/max when absent. */
  observer?: Observer;
  /** Also record the channel means that correct-bias reads. */
  channelMeans?: boolean;
}

/** What an observer settles on for one value. */
export interface ValueStatistics {
  /** The range quantization uses (finite when `finite > 0`). */
  min: number;
  max: number;
  /** Elements seen: finite ones, NaNs (skipped), infinities (skipped: an infinite range has no scale). */
  finite: number;
  nan: number;
  infinite: number;
}

/** An observer: a small state per value, updated with each invoke's data; memory does not grow with the dataset. */
export interface Observer<S = unknown> {
  readonly name: string;
  init(): S;
  update(state: S, data: Float32Array): void;
  result(state: S): ValueStatistics;
}

export interface CalibrationStatistics {
  /** The observer's name ('minmax'). */
  observer: string;
  /** Dataset entries run. */
  samples: number;
  /** Per float value (graph inputs and op results), keyed by the value itself. */
  values: Map<Value, ValueStatistics>;
  /**
   * The mean of each channel (last axis) of the values that weighted ops read as data (conv_2d,
   * depthwise_conv_2d, fully_connected input 0), over every entry and position: what correct-bias
   * needs. A few numbers per channel, like the ranges.
   */
  channelMeans?: Map<Value, Float64Array>;
}

/** Analysis results shared along a pipeline run (PassContext.analyses). */
export interface Analyses {
  /** Written by calibrate, read by float-fallback, quantize-activations and retype-io. */
  statistics?: CalibrationStatistics;
}

interface MinMaxState {
  min: number;
  max: number;
  finite: number;
  nan: number;
  infinite: number;
}

/** TFLite's calibration: the global min and max over every sample (no moving average), NaN skipped and counted. */
export const minMaxObserver: Observer<MinMaxState> = {
  name: 'minmax',
  init: () => ({ min: Infinity, max: -Infinity, finite: 0, nan: 0, infinite: 0 }),
  update(s, data) {
    let { min, max, finite, nan, infinite } = s;
    for (let i = 0; i < data.length; i++) {
      const x = data[i];
      if (x >= min && x <= max) finite++; // the common case: inside the range so far (false for NaN)
      else if (x !== x) nan++;
      else if (x === Infinity || x === -Infinity) infinite++;
      else {
        finite++;
        if (x < min) min = x;
        if (x > max) max = x;
      }
    }
    Object.assign(s, { min, max, finite, nan, infinite });
  },
  result: (s) => ({ ...s }),
};
