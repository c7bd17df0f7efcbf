import { Interpreter, type Arithmetic } from '@octet/interpreter';
import { Graph, numElements, stridesOf, type QuantParams, type TypedArray, type Value } from '@octet/ir';

/**
 * Per-layer quantization error, what TensorFlow's QuantizationDebugger reports: the float graph and
 * the quantized graph run side by side on the same samples; every quantized value of the quantized
 * graph is dequantized and compared with the float value of the same tensor name. Only statistics
 * are kept (memory does not grow with the number of samples).
 *
 * Shared by `octet debug` and the tutorial's report. Quantized model inputs are quantized by the
 * interpreter's own QUANTIZE in the chosen arithmetic, and samples can arrive one at a time
 * (`LayerErrorMeter`), from an async source too.
 */
export interface LayerError {
  /** The tensor name both graphs give the value. */
  name: string;
  /** Kind of the op computing it in the quantized graph. */
  op: string;
  dtype: QuantizedDType;
  scale: number[];
  zeroPoint: number[];
  axis?: number;
  /** What the quantization parameters can represent: scale × (qmin − zp) .. scale × (qmax − zp) (union over channels). */
  rangeUsed: [number, number];
  /** What the float graph computed on the samples. */
  rangeSeen: [number, number];
  /** Elements compared (samples × elements per sample). */
  count: number;
  /** √(mean (dequantized − float)²). */
  rmse: number;
  /** √(mean ((dequantized − float) / scale)²): the error in quantization steps (1/√12 ≈ 0.29 is the rounding error alone). */
  rmseOverScale: number;
  /** 10·log10(Σ float² / Σ (dequantized − float)²) over all samples; Infinity when the values are exact. */
  sqnrDb: number;
}

export type QuantizedDType = 'int8' | 'uint8';

export interface LayerErrorOptions {
  /** Integer arithmetic of the quantized graph's kernels (default `xnnpack`, what LiteRT computes). */
  arithmetic?: Arithmetic;
  /** Called after each sample. */
  onSample?: (done: number) => void;
}

/** One sample: one float array per model input (the float graph's input types). */
export type FloatSample = readonly Float32Array[];

const Q_RANGE: Record<QuantizedDType, readonly [number, number]> = { int8: [-128, 127], uint8: [0, 255] };

const isQuantizedDType = (d: string): d is QuantizedDType => d === 'int8' || d === 'uint8';

/**
 * The values the comparison covers, in the quantized graph's op order: results of ops (not graph
 * inputs or constants) stored as int8/uint8 with quantization parameters, whose tensor name names a
 * float32 value of the float graph with as many elements. An unnamed value takes the name of what it
 * stands for at a float boundary (float I/O models): a quantize's result the name of the float value
 * it quantizes (`input_1`), a value read only by a dequantize the name of that dequantize's result
 * (`dense`).
 */
export function quantizedLayers(floatGraph: Graph, quantGraph: Graph): { name: string; op: string; quant: Value; float: Value }[] {
  const floats = new Map<string, Value>();
  for (const v of [...floatGraph.inputs, ...floatGraph.ops.flatMap((op) => op.outputs)]) {
    if (v.name !== undefined && v.type.dtype === 'float32') floats.set(v.name, v);
  }
  const nameOf = (v: Value): string | undefined => {
    if (v.name !== undefined) return v.name;
    const p = v.producer;
    if (p?.kind === 'quantize' && p.inputs[0].type.dtype === 'float32' && p.inputs[0].name !== undefined) return p.inputs[0].name;
    const users = quantGraph.users(v);
    if (users.length === 1 && users[0].kind === 'dequantize' && !quantGraph.outputs.includes(v)) return users[0].outputs[0].name;
    return undefined;
  };
  const out: { name: string; op: string; quant: Value; float: Value }[] = [];
  for (const op of quantGraph.ops) {
    for (const v of op.outputs) {
      const name = nameOf(v);
      const f = name === undefined ? undefined : floats.get(name);
      if (!f || !v.type.quant || !isQuantizedDType(v.type.dtype)) continue;
      if (numElements(f.type.shape) !== numElements(v.type.shape)) continue;
      out.push({ name: name!, op: op.kind, quant: v, float: f });
    }
  }
  return out;
}

/** float32 → a quantized input, by the interpreter's QUANTIZE kernel in `arithmetic` (a one-op graph). */
function inputQuantizer(v: Value, arithmetic: Arithmetic): (x: Float32Array) => TypedArray {
  const q = v.type.quant;
  if (!isQuantizedDType(v.type.dtype) || !q || q.scale.length !== 1) {
    throw new Error(`input '${v.name}' is ${v.type.dtype}${q ? '' : ' without quantization parameters'}: compare graphs whose inputs are float32 or per-tensor int8/uint8`);
  }
  const g = new Graph('quantize-input');
  const x = g.addInput('x', { dtype: 'float32', shape: [...v.type.shape] });
  g.outputs = [g.add('quantize', [x], {}, { types: [{ dtype: v.type.dtype, shape: [...v.type.shape], quant: q }] })];
  const it = new Interpreter(g, { arithmetic });
  return (data) => it.run([data])[0];
}

interface Pair {
  name: string;
  quant: Value;
  q: QuantParams;
  dtype: QuantizedDType;
  float: Value;
  /** Channel of each element for per-axis params: ⌊i / inner⌋ mod dim. */
  inner: number;
  dim: number;
}

interface Sums {
  pair: Pair;
  f2: number;
  e2: number;
  e2s: number;
  n: number;
  lo: number;
  hi: number;
}

/** Accumulates the per-layer error one sample at a time (see LayerError); `result()` reads it out. */
export class LayerErrorMeter {
  private readonly floatRun: Interpreter;
  private readonly quantRun: Interpreter;
  private readonly floatCopy: Map<Value, Float32Array>;
  private readonly acc: Map<Value, Sums>;
  private readonly feeds: ((x: Float32Array) => TypedArray)[];
  private done = 0;

  constructor(
    floatGraph: Graph,
    private readonly quantGraph: Graph,
    private readonly opts: LayerErrorOptions = {},
  ) {
    const arithmetic = opts.arithmetic ?? 'xnnpack';
    const pairs: Pair[] = quantizedLayers(floatGraph, quantGraph).map(({ name, quant, float }) => {
      const q = quant.type.quant!;
      const shape = quant.type.shape;
      const perAxis = q.axis !== undefined && q.scale.length > 1;
      return {
        name,
        quant,
        q,
        dtype: quant.type.dtype as QuantizedDType,
        float,
        inner: perAxis ? stridesOf(shape)[q.axis!] : numElements(shape),
        dim: perAxis ? shape[q.axis!] : 1,
      };
    });
    this.floatCopy = new Map(pairs.map((p) => [p.float, new Float32Array(numElements(p.float.type.shape))]));
    this.acc = new Map(pairs.map((pair) => [pair.quant, { pair, f2: 0, e2: 0, e2s: 0, n: 0, lo: Infinity, hi: -Infinity }]));
    this.floatRun = new Interpreter(floatGraph);
    this.quantRun = new Interpreter(quantGraph, { arithmetic });
    this.feeds = quantGraph.inputs.map((v) => (v.type.dtype === 'float32' ? (x: Float32Array) => x : inputQuantizer(v, arithmetic)));
  }

  /** Runs both graphs on one sample and folds the differences into the sums. */
  add(sample: FloatSample): void {
    this.floatRun.run(sample, { observe: (v, data) => this.floatCopy.get(v)?.set(data as Float32Array) });
    this.quantRun.run(
      this.feeds.map((f, i) => f(sample[i])),
      {
        observe: (v, data) => {
          const a = this.acc.get(v);
          if (!a) return;
          const { q, inner, dim } = a.pair;
          const f = this.floatCopy.get(a.pair.float)!;
          for (let i = 0; i < data.length; i++) {
            const c = dim === 1 ? 0 : Math.floor(i / inner) % dim;
            const s = q.scale[c];
            const e = s * (Number(data[i]) - q.zeroPoint[c]) - f[i];
            a.f2 += f[i] * f[i];
            a.e2 += e * e;
            a.e2s += (e / s) * (e / s);
            if (f[i] < a.lo) a.lo = f[i];
            if (f[i] > a.hi) a.hi = f[i];
          }
          a.n += data.length;
        },
      },
    );
    this.done++;
    this.opts.onSample?.(this.done);
  }

  get samples(): number {
    return this.done;
  }

  result(): LayerError[] {
    if (this.done === 0) throw new Error('layer errors need at least one sample: pass some inputs (one float array per model input)');
    return [...this.acc.values()].map(({ pair, f2, e2, e2s, n, lo, hi }) => {
      const [qmin, qmax] = Q_RANGE[pair.dtype];
      const ends = pair.q.scale.flatMap((s, c) => [s * (qmin - pair.q.zeroPoint[c]), s * (qmax - pair.q.zeroPoint[c])]);
      return {
        name: pair.name,
        op: pair.quant.producer!.kind,
        dtype: pair.dtype,
        scale: [...pair.q.scale],
        zeroPoint: [...pair.q.zeroPoint],
        ...(pair.q.axis !== undefined ? { axis: pair.q.axis } : {}),
        rangeUsed: [Math.min(...ends), Math.max(...ends)],
        rangeSeen: [lo, hi],
        count: n,
        rmse: Math.sqrt(e2 / n),
        rmseOverScale: Math.sqrt(e2s / n),
        sqnrDb: sqnr(f2, e2),
      };
    });
  }
}

/** Runs both graphs on every sample and returns the error of each quantized layer (see LayerError). */
export function layerErrors(floatGraph: Graph, quantGraph: Graph, samples: Iterable<FloatSample>, opts: LayerErrorOptions = {}): LayerError[] {
  const meter = new LayerErrorMeter(floatGraph, quantGraph, opts);
  for (const s of samples) meter.add(s);
  return meter.result();
}

/** The same over an async source (a dataset module, a file read as it goes). */
export async function layerErrorsAsync(floatGraph: Graph, quantGraph: Graph, samples: AsyncIterable<FloatSample> | Iterable<FloatSample>, opts: LayerErrorOptions = {}): Promise<LayerError[]> {
  const meter = new LayerErrorMeter(floatGraph, quantGraph, opts);
  for await (const s of samples) meter.add(s);
  return meter.result();
}

/** 10·log10(signal / noise) in dB; Infinity without noise. */
export function sqnr(signalPower: number, noisePower: number): number {
  if (noisePower === 0) return Infinity;
  return 10 * Math.log10(signalPower / noisePower);
}

/** The rounding error alone, in quantization steps: a uniform error on [−½, ½] has RMS 1/√12. */
export const ROUNDING_RMSE_STEPS = 1 / Math.sqrt(12);

/**
 * Why a layer deserves a look, the QuantizationDebugger's heuristics made explicit:
 * - `lowest SQNR`: the layer where the quantized graph is furthest from the float one;
 * - `error > 2× rounding`: RMSE/scale above 2/√12, the error has grown past what rounding this
 *   value alone would cause (it accumulates upstream, or the range is clipped);
 * - `clipped`: the float values went beyond the range the parameters can represent by more than
 *   half a step (calibration saw less than these samples do).
 */
export function layerFlags(layers: readonly LayerError[]): string[][] {
  const finite = layers.filter((l) => Number.isFinite(l.sqnrDb));
  const lowest = finite.length ? Math.min(...finite.map((l) => l.sqnrDb)) : undefined;
  return layers.map((l) => {
    const flags: string[] = [];
    if (lowest !== undefined && l.sqnrDb === lowest) flags.push('lowest SQNR');
    if (l.rmseOverScale > 2 * ROUNDING_RMSE_STEPS) flags.push('error > 2× rounding');
    const half = Math.max(...l.scale) / 2;
    if (l.rangeSeen[0] < l.rangeUsed[0] - half || l.rangeSeen[1] > l.rangeUsed[1] + half) flags.push('clipped');
    return flags;
  });
}
