import { OctetError, verify, type Graph, type TypedArray } from '@octet/ir';
import {
  quantizationPipeline,
  runPipelineAsync,
  type CalibrationProgress,
  type DatasetEntry as PassDatasetEntry,
  type QuantizationRecipe,
  type RepresentativeDataset as PassDataset,
} from '@octet/passes';
import { assertValidFile, emit, read } from '@octet/tflite';
import { importLayersModel, importModelJson, type ImportOptions, type SavableModel } from '@octet/tfjs-importer';

/** What TensorFlow's converter calls `optimizations`. */
export type Optimization = 'DEFAULT';
export type OpsSet = 'TFLITE_BUILTINS' | 'TFLITE_BUILTINS_INT8';
export type IoType = 'float32' | 'int8' | 'uint8';

/** A representative-dataset entry: one array per model input (a typed array, or a tf.Tensor-like with dataSync). */
export type DatasetEntry = readonly (TypedArray | { dataSync(): TypedArray })[];
export type RepresentativeDataset = () => Iterable<DatasetEntry> | AsyncIterable<DatasetEntry>;

export interface ConversionProgress {
  stage: 'import' | 'transform' | 'calibrate' | 'emit';
  /** Calibration: entries run so far, and in all when known. */
  done?: number;
  total?: number;
}

/** The canonicalization every conversion starts with (DESIGN.md §1). */
export const CANONICALIZE = ['remove-identity', 'fold-constants', 'fold-bias-add', 'fold-batch-norm', 'fuse-activation'] as const;

/**
 * TensorFlow's `TFLiteConverter`, in Octet: the same option names, so the tutorial translates line
 * by line. The model is loaded on `convert()`, not before.
 */
export class Converter {
  optimizations: Optimization[] = [];
  representativeDataset: RepresentativeDataset | undefined;
  targetSpec: { supportedOps: OpsSet[]; supportedTypes: 'float16'[] } = { supportedOps: ['TFLITE_BUILTINS'], supportedTypes: [] };
  inferenceInputType: IoType = 'float32';
  inferenceOutputType: IoType = 'float32';
  /**
   * Octet's own: the calibration observer. `minmax` is TFLite's global min/max; `mse` clips the
   * ranges of values that take both signs where that lowers the expected squared quantization error
   * (beyond TensorFlow's converter: ranges, and so files, differ from its).
   */
  calibration: 'minmax' | 'mse' = 'minmax';
  /**
   * Octet's own: bias correction (the correct-bias pass) — each weighted op's bias absorbs the mean
   * error its int8 weights make on the representative data. Beyond TensorFlow's converter, off by default.
   */
  biasCorrection = false;
  /** Octet's own: per-channel weights for fully_connected (per-tensor when false, what microcontrollers need). */
  perChannelDense = true;
  /** Octet's own: progress of long stages (calibration). */
  onProgress: ((p: ConversionProgress) => void) | undefined;
  /** Octet's own: run the IR verifier after every pass. */
  verifyEach = false;
  /** Octet's own: use at most this many representative entries (`--samples N`). */
  samples: number | undefined;

  private constructor(private readonly load: () => Promise<Graph>) {}

  /** From a live `tf.LayersModel` (any backend). */
  static fromLayersModel(model: SavableModel, opts: ImportOptions = {}): Converter {
    return new Converter(() => importLayersModel(model, opts));
  }

  /** From a `model.json` on disk (layers or graph format) and its weight shards. */
  static fromModelJson(path: string, opts: ImportOptions = {}): Converter {
    return new Converter(async () => importModelJson(path, opts));
  }

  /** From a float `.tflite` file's bytes. */
  static fromTflite(bytes: Uint8Array): Converter {
    return new Converter(async () => read(bytes));
  }

  /** From a graph already in Octet's IR (it is cloned, never modified). */
  static fromGraph(graph: Graph): Converter {
    return new Converter(async () => graph.clone());
  }

  /**
   * The options as plain data, read the way TensorFlow's converter reads them: no optimization is a
   * float model; DEFAULT alone is dynamic range; DEFAULT with float16 in supportedTypes is float16;
   * DEFAULT with a representative dataset is full integer (float fallback unless only
   * TFLITE_BUILTINS_INT8 is supported).
   */
  recipe(): QuantizationRecipe {
    const optimize = this.optimizations.includes('DEFAULT');
    const integerOnly = this.targetSpec.supportedOps.length > 0 && this.targetSpec.supportedOps.every((s) => s === 'TFLITE_BUILTINS_INT8');
    const float16 = this.targetSpec.supportedTypes.includes('float16');
    const io = this.inferenceInputType !== 'float32' || this.inferenceOutputType !== 'float32';
    let mode: QuantizationRecipe['mode'] = 'float';
    if (optimize) mode = this.representativeDataset ? 'int8' : float16 ? 'float16' : 'dynamic';
    if ((integerOnly || io) && mode !== 'int8') {
      const asked = integerOnly ? `supportedOps ['TFLITE_BUILTINS_INT8']` : `inference types ${this.inferenceInputType}/${this.inferenceOutputType}`;
      throw new OctetError(`${asked} needs full integer quantization: set optimizations = ['DEFAULT'] and a representativeDataset`);
    }
    return {
      mode,
      integerOnly: mode === 'int8' && integerOnly,
      inputType: this.inferenceInputType,
      outputType: this.inferenceOutputType,
      perChannelDense: this.perChannelDense,
      calibration: this.calibration,
      biasCorrection: this.biasCorrection,
    };
  }

  /** The pass names this conversion runs, in order (what `octet convert --print-pipeline` shows). */
  pipeline(): string[] {
    return [...CANONICALIZE, ...quantizationPipeline(this.recipe())];
  }

  /** Imports and transforms the model; the result is what `convert()` emits. */
  async convertToGraph(): Promise<Graph> {
    const names = this.pipeline();
    this.onProgress?.({ stage: 'import' });
    const graph = await this.load();
    this.onProgress?.({ stage: 'transform' });
    const dataset = this.representativeDataset;
    await runPipelineAsync(graph, names, {
      verifyEach: this.verifyEach,
      calibration: {
        ...(dataset ? { dataset: entriesOf(dataset) } : {}),
        ...(this.samples !== undefined ? { samples: this.samples } : {}),
        onProgress: (p: CalibrationProgress) => this.onProgress?.({ stage: 'calibrate', done: p.samples, ...(p.total !== undefined ? { total: p.total } : {}) }),
      },
    });
    verify(graph, { forEmission: true });
    return graph;
  }

  /** The `.tflite` bytes, checked by the emitted-file verifier (the rules LiteRT does not enforce). */
  async convert(): Promise<Uint8Array> {
    const graph = await this.convertToGraph();
    this.onProgress?.({ stage: 'emit' });
    const bytes = emit(graph);
    assertValidFile(bytes);
    return bytes;
  }
}

/** A dataset entry's tensors as typed arrays (a tf.Tensor gives its data; its shape must be the input's). */
function plain(entry: DatasetEntry): PassDatasetEntry {
  if (!Array.isArray(entry)) throw new OctetError(`a representative dataset entry must be an array with one element per model input, got ${typeof entry}: yield [x] rather than x`);
  return entry.map((x) => (typeof (x as { dataSync?: unknown }).dataSync === 'function' ? (x as { dataSync(): TypedArray }).dataSync() : (x as TypedArray)));
}

/** The user's dataset function, called once, its entries made plain (sync stays sync). */
function entriesOf(dataset: RepresentativeDataset): PassDataset {
  const source = dataset();
  if (source && Symbol.asyncIterator in source) {
    return (async function* () {
      for await (const e of source as AsyncIterable<DatasetEntry>) yield plain(e);
    })();
  }
  if (!source || !(Symbol.iterator in source)) throw new OctetError(`representativeDataset must be a function returning an iterable (a generator) of entries`);
  return (function* () {
    for (const e of source as Iterable<DatasetEntry>) yield plain(e);
  })();
}
