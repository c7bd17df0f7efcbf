import type { Graph } from '@octet/ir';
import { Interpreter } from '@octet/interpreter';
import type { IoArray, LiteRtNode } from '@octet/litert';
import { read } from '@octet/tflite';
import { argmax, quantizeInto, type QuantizedDType } from './io.ts';
import type { Bar } from './progress.ts';

/** Test images as the tutorial feeds them: x / 255 in float32, one 28×28 image after the other. */
export interface TestSet {
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

/** Integer outputs: fraction byte-identical; float outputs: fraction of equal argmax and the largest difference. */
export type Agreement = { kind: 'identical'; fraction: number } | { kind: 'argmax'; fraction: number; maxAbsDiff: number };

export interface Evaluation {
  count: number;
  accuracyOurs: number;
  /** Undefined when LiteRT could not run the model (see `liteRtNote`). */
  accuracyLiteRt?: number;
  agreement?: Agreement;
  /** How LiteRT ran it (the int8-I/O model: through its uint8 twin) or why it could not. */
  liteRtNote?: string;
  seconds: number;
}

const PX = 28 * 28;

/** The element types the tutorial's models take and give. */
type Numeric = Float32Array | Int8Array | Uint8Array;
type Feed = (x: Float32Array) => Numeric;

/** Feeds float x/255 to a model input: as is, or quantized as TFLite's QUANTIZE does. */
function feeder(graph: Graph): Feed {
  const input = graph.inputs[0];
  const { dtype, quant } = input.type;
  if (dtype === 'float32') return (x) => x;
  if ((dtype !== 'int8' && dtype !== 'uint8') || !quant || quant.scale.length !== 1) {
    throw new Error(`input '${input.name}' is ${dtype}: the tutorial feeds float32, or per-tensor int8/uint8 inputs`);
  }
  const buf = dtype === 'int8' ? new Int8Array(PX) : new Uint8Array(PX);
  return (x) => (quantizeInto(buf, x, quant.scale[0], quant.zeroPoint[0], dtype as QuantizedDType), buf);
}

/**
 * An int8-I/O model runs in LiteRT through its uint8 twin (LiteRT.js exchanges no int8 tensors):
 * LiteRT(u8 model)(x + 128) − 128 = ours(i8 model)(x), which holds when the twin's I/O has the same
 * scales and zero points 128 higher. Checked here, not assumed.
 */
function checkTwin(graph: Graph, twin: Graph): void {
  const pairs = [
    [graph.inputs[0], twin.inputs[0]],
    [graph.outputs[0], twin.outputs[0]],
  ] as const;
  for (const [a, b] of pairs) {
    const qa = a.type.quant;
    const qb = b.type.quant;
    if (a.type.dtype !== 'int8' || b.type.dtype !== 'uint8' || !qa || !qb || qa.scale[0] !== qb.scale[0] || qa.zeroPoint[0] + 128 !== qb.zeroPoint[0]) {
      throw new Error(`the uint8 twin's '${b.name}' (${b.type.dtype}, ${qb ? `${qb.scale[0]}, ${qb.zeroPoint[0]}` : 'not quantized'}) does not match '${a.name}' (${a.type.dtype}, ${qa ? `${qa.scale[0]}, ${qa.zeroPoint[0]}` : 'not quantized'}) with zero point + 128`);
    }
  }
}

/**
 * Accuracy of one `.tflite` on the test set with our interpreter (default arithmetic: xnnpack, what
 * LiteRT computes) and with LiteRT, and how far the two agree. `twin` is the uint8-I/O model of an
 * int8-I/O one.
 */
export async function evaluateModel(bytes: Uint8Array, test: TestSet, rt: LiteRtNode, opts: { twin?: Uint8Array; bar?: Bar } = {}): Promise<Evaluation> {
  const t0 = performance.now();
  const graph = read(bytes);
  const ours = new Interpreter(graph);
  const feed = feeder(graph);
  const outType = graph.outputs[0].type.dtype;
  const int8Io = graph.inputs[0].type.dtype === 'int8';

  let liteRtNote: string | undefined;
  let liteRtBytes: Uint8Array | undefined = bytes;
  if (int8Io || outType === 'int8') {
    liteRtBytes = undefined;
    if (!opts.twin) liteRtNote = 'not run: LiteRT.js exchanges no int8 tensors and no uint8 twin was converted';
    else {
      checkTwin(graph, read(opts.twin));
      liteRtBytes = opts.twin;
      liteRtNote = 'through its uint8 twin: LiteRT(u8 model)(x + 128) − 128';
    }
  }
  const lite = liteRtBytes ? await rt.compile(liteRtBytes) : undefined;
  const u8 = new Uint8Array(PX);
  let rightOurs = 0;
  let rightLite = 0;
  let agree = 0;
  let maxAbsDiff = 0;
  try {
    for (let i = 0; i < test.count; i++) {
      const x = test.images.subarray(i * PX, (i + 1) * PX);
      const input = feed(x);
      const a = ours.run([input])[0] as Numeric;
      if (argmax(a) === test.labels[i]) rightOurs++;
      if (!lite) continue;
      let liteIn = input as IoArray;
      if (int8Io) {
        for (let k = 0; k < PX; k++) u8[k] = input[k] + 128;
        liteIn = u8;
      }
      const [b] = await lite.run([liteIn]);
      if (argmax(b) === test.labels[i]) rightLite++;
      if (outType === 'float32') {
        let d = 0;
        for (let k = 0; k < a.length; k++) d = Math.max(d, Math.abs(a[k] - b[k]));
        maxAbsDiff = Math.max(maxAbsDiff, d);
        if (argmax(a) === argmax(b)) agree++;
      } else {
        const shift = outType === 'int8' ? 128 : 0;
        let same = a.length === b.length;
        for (let k = 0; same && k < a.length; k++) same = a[k] === b[k] - shift;
        if (same) agree++;
      }
      if (i % 250 === 0) opts.bar?.update(i);
    }
  } finally {
    lite?.dispose();
  }
  opts.bar?.update(test.count);
  const n = test.count;
  return {
    count: n,
    accuracyOurs: rightOurs / n,
    ...(lite
      ? {
          accuracyLiteRt: rightLite / n,
          agreement: outType === 'float32' ? { kind: 'argmax', fraction: agree / n, maxAbsDiff } : { kind: 'identical', fraction: agree / n },
        }
      : {}),
    ...(liteRtNote ? { liteRtNote } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
}
