import { OctetError, verify, type Graph, type TypedArray } from '@octet/ir';
import { runPipeline } from '@octet/passes';
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
  stage: 'import' | 'canonicalize' | 'calibrate' | 'quantize' | 'emit';
  done?: number;
  total?: number;
}

/** The canonicalization every conversion starts with (DESIGN.md §1). */
export const CANONICALIZE = ['remove-identity', 'fold-batch-norm', 'fuse-activation', 'fold-constants'] as const;

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
  /** Octet's own: the calibration observer. */
  calibration: 'minmax' = 'minmax';
  /** Octet's own: per-channel weights for fully_connected (per-tensor when false, what microcontrollers need). */
  perChannelDense = true;
  /** Octet's own: progress of long stages (calibration). */
  onProgress: ((p: ConversionProgress) => void) | undefined;
  /** Octet's own: run the IR verifier after every pass. */
  verifyEach = false;

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

  /** The pass names this conversion runs, in order (what `octet convert --print-pipeline` shows). */
  pipeline(): string[] {
    if (this.isQuantized()) {
      throw new OctetError(`quantized conversion (optimizations ['DEFAULT'], float16 or int8 I/O) is not available yet: convert without optimizations`);
    }
    return [...CANONICALIZE];
  }

  private isQuantized(): boolean {
    return (
      this.optimizations.length > 0 ||
      this.targetSpec.supportedOps.includes('TFLITE_BUILTINS_INT8') ||
      this.inferenceInputType !== 'float32' ||
      this.inferenceOutputType !== 'float32'
    );
  }

  /** Imports and transforms the model; the result is what `convert()` emits. */
  async convertToGraph(): Promise<Graph> {
    const names = this.pipeline();
    this.onProgress?.({ stage: 'import' });
    const graph = await this.load();
    this.onProgress?.({ stage: 'canonicalize' });
    runPipeline(graph, names, { verifyEach: this.verifyEach });
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
