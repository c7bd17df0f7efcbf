import { numElements, stridesOf, type Graph, type QuantParams, type TypedArray, type Value } from '@octet/ir';
import { Interpreter, type Arithmetic } from '@octet/interpreter';
import { quantize, type QuantizedDType } from './io.ts';

/**
 * Per-layer quantization error, what TensorFlow's QuantizationDebugger reports: the float graph
 * and the quantized graph run side by side on the same samples; every quantized value of the
 * quantized graph is dequantized and compared with the float value of the same tensor name.
 * Only statistics are kept (memory does not grow with the number of samples).
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
  /** √(mean ((dequantized − float) / scale)²): the error in quantization steps (0.29 is the rounding error alone). */
  rmseOverScale: number;
  /** 10·log10(Σ float² / Σ (dequantized − float)²) over all samples; Infinity when the values are exact. */
  sqnrDb: number;
}

export interface LayerErrorOptions {
  /** Integer arithmetic of the quantized graph's kernels (default `xnnpack`, what LiteRT computes). */
  arithmetic?: Arithmetic;
  /** Called after each sample. */
  onSample?: (done: number) => void;
}

/** One sample: one float array per model input (the float graph's input types). */
export type FloatSample = readonly Float32Array[];

const Q_RANGE: Record<QuantizedDType, readonly [number, number]> = { int8: [-128, 127], uint8: [0, 255] };

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

function isQuantizedDType(d: string): d is QuantizedDType {
  return d === 'int8' || d === 'uint8';
}

/**
 * The values the comparison covers, in the quantized graph's op order: results of ops (not graph
 * inputs or constants) stored as int8/uint8 with quantization parameters, whose tensor name names a
 * float32 value of the float graph with as many elements.
 */
export function quantizedLayers(floatGraph: Graph, quantGraph: Graph): { name: string; op: string; quant: Value; float: Value }[] {
  const floats = new Map<string, Value>();
  for (const v of [...floatGraph.inputs, ...floatGraph.ops.flatMap((op) => op.outputs)]) {
    if (v.name !== undefined && v.type.dtype === 'float32') floats.set(v.name, v);
  }
  const out: { name: string; op: string; quant: Value; float: Value }[] = [];
  for (const op of quantGraph.ops) {
    for (const v of op.outputs) {
      const f = v.name === undefined ? undefined : floats.get(v.name);
      if (!f || !v.type.quant || !isQuantizedDType(v.type.dtype)) continue;
      if (numElements(f.type.shape) !== numElements(v.type.shape)) continue;
      out.push({ name: v.name!, op: op.kind, quant: v, float: f });
    }
  }
  return out;
}

/** The quantized graph's inputs from float samples: float inputs as they are, int8/uint8 ones through QUANTIZE. */
function inputsFor(graph: Graph, sample: FloatSample): TypedArray[] {
  return graph.inputs.map((v, i) => {
    const x = sample[i];
    if (v.type.dtype === 'float32') return x;
    const q = v.type.quant;
    if (!isQuantizedDType(v.type.dtype) || !q || q.scale.length !== 1) {
      throw new Error(`input '${v.name}' is ${v.type.dtype}${q ? '' : ' without quantization parameters'}: compare graphs whose inputs are float32 or per-tensor int8/uint8`);
    }
    return quantize(x, q.scale[0], q.zeroPoint[0], v.type.dtype);
  });
}

/** Runs both graphs on every sample and returns the error of each quantized layer (see LayerError). */
export function layerErrors(floatGraph: Graph, quantGraph: Graph, samples: Iterable<FloatSample>, opts: LayerErrorOptions = {}): LayerError[] {
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
  const floatCopy = new Map<Value, Float32Array>(pairs.map((p) => [p.float, new Float32Array(numElements(p.float.type.shape))]));
  const acc = new Map<Value, { pair: Pair; f2: number; e2: number; e2s: number; n: number; lo: number; hi: number }>(
    pairs.map((pair) => [pair.quant, { pair, f2: 0, e2: 0, e2s: 0, n: 0, lo: Infinity, hi: -Infinity }]),
  );
  const floatRun = new Interpreter(floatGraph);
  const quantRun = new Interpreter(quantGraph, { arithmetic: opts.arithmetic ?? 'xnnpack' });
  let done = 0;
  for (const sample of samples) {
    floatRun.run(sample, {
      observe: (v, data) => floatCopy.get(v)?.set(data as Float32Array),
    });
    quantRun.run(inputsFor(quantGraph, sample), {
      observe: (v, data) => {
        const a = acc.get(v);
        if (!a) return;
        const { q, inner, dim } = a.pair;
        const f = floatCopy.get(a.pair.float)!;
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
    });
    done++;
    opts.onSample?.(done); // not onSample?.(++done): optional chaining would skip the increment
  }
  if (done === 0) throw new Error('layer errors need at least one sample: pass some inputs (one float array per model input)');
  return [...acc.values()].map(({ pair, f2, e2, e2s, n, lo, hi }) => {
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

/** 10·log10(signal / noise) in dB; Infinity without noise. */
export function sqnr(signalPower: number, noisePower: number): number {
  if (noisePower === 0) return Infinity;
  return 10 * Math.log10(signalPower / noisePower);
}
