/**
 * Cross-runtime acceptance of the int8 kernels (issue 4): for each op, small random int8 graphs of
 * that one op (random shapes, attributes and quantization parameters) are emitted as .tflite and run
 * in LiteRT and in our interpreter (`xnnpack` mode) on hundreds of random inputs; the outputs must be
 * byte-identical. LiteRT's JS tensors cannot carry int8, so every graph has uint8 I/O: a uint8 input
 * QUANTIZEd to int8 (x ^ 0x80) in front of the op, and an int8 → uint8 QUANTIZE behind it.
 * The hybrid (dynamic-range) kernels run with float I/O and must agree bit for bit as well.
 * The agreement fraction of each op is printed.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '@octet/data';
import { constant, Graph, windowOutputSize, type Activation, type AttrsArg, type OpKind, type QuantParams, type TensorType, type Value } from '@octet/ir';
import { Interpreter } from '@octet/interpreter';
import { loadLiteRtNode, type LiteRtNode } from '@octet/litert';
import { quantizationPipeline, runPipeline, runPipelineAsync } from '@octet/passes';
import { importModelJson } from '@octet/tfjs-importer';
import { emit } from '@octet/tflite';
import { mulberry32 } from '@octet/testing';

const SEED = 20261125;
const GRAPHS = 16; // random graphs per op
const INPUTS = 40; // random inputs per graph: 640 per op
const fl = Math.fround;

const rng = mulberry32;

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const qp = (scale: number, zeroPoint: number): QuantParams => ({ scale: [fl(scale)], zeroPoint: [zeroPoint] });
const i8 = (shape: number[], quant: QuantParams): TensorType => ({ dtype: 'int8', shape, quant });
const u8Of = (t: TensorType): TensorType => ({ dtype: 'uint8', shape: [...t.shape], quant: { scale: [...t.quant!.scale], zeroPoint: [t.quant!.zeroPoint[0] + 128] } });

/** uint8 inputs → QUANTIZE to the op's int8 inputs → the op → QUANTIZE to uint8 outputs. */
function uint8Twin(kind: OpKind, inputs: TensorType[], constants: Value[], attrs: Record<string, unknown>, out: TensorType): Graph {
  const g = new Graph(kind);
  const xs = inputs.map((t, k) => g.add('quantize', [g.addInput(`x${k}`, u8Of(t))], {}, { types: [t] }));
  const y = g.add(kind, [...xs, ...constants], attrs as AttrsArg<typeof kind>, { types: [out] });
  g.outputs.push(g.add('quantize', [y], {}, { types: [u8Of(out)], names: ['y'] }));
  return g;
}

type Case = { graph: Graph };
type Maker = (r: () => number) => Case;

const ACTS: Activation[] = ['none', 'relu', 'relu6', 'relu_n1_to_1'];
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const logScale = (r: () => number, lo: number, hi: number) => fl(2 ** (lo + r() * (hi - lo)));
const zp = (r: () => number) => int(r, -128, 127);
const int8Data = (r: () => number, n: number, lo = -127, hi = 127) => Int8Array.from({ length: n }, () => int(r, lo, hi));

function weighted(kind: 'conv_2d' | 'depthwise_conv_2d' | 'fully_connected'): Maker {
  return (r) => {
    const sIn = logScale(r, -8, -2);
    const [h, w, c, o, m, k] = [int(r, 3, 8), int(r, 3, 8), int(r, 1, 6), int(r, 1, 9), int(r, 1, 2), int(r, 1, 3)];
    const channels = kind === 'depthwise_conv_2d' ? c * m : o;
    const perChannel = r() < 0.75;
    const sW = Array.from({ length: perChannel ? channels : 1 }, () => logScale(r, -10, -4));
    const sOut = fl((sIn * Math.max(...sW)) / 2 ** (-9 + 9 * r()));
    const wQuant = (axis: number): QuantParams => (perChannel ? { scale: sW, zeroPoint: sW.map(() => 0), axis } : { scale: sW, zeroPoint: [0] });
    // the bias is quantized like the weights: per channel with per-channel weights, per tensor otherwise
    // (XNNPACK refuses a per-tensor filter with a per-channel bias, and LiteRT then fails to load the model)
    const bScales = sW.map((s) => fl(sIn * s));
    const bQuant: QuantParams = perChannel ? { scale: bScales, zeroPoint: bScales.map(() => 0), axis: 0 } : { scale: bScales, zeroPoint: [0] };
    const bias = r() < 0.8 ? [constant({ dtype: 'int32', shape: [channels], quant: bQuant }, Int32Array.from({ length: channels }, () => int(r, -20000, 20000)))] : [];
    const act = pick(r, ACTS);
    if (kind === 'fully_connected') {
      const K = int(r, 1, 64);
      const rows = int(r, 1, 3);
      const wv = constant({ dtype: 'int8', shape: [o, K], quant: wQuant(0) }, int8Data(r, o * K));
      return { graph: uint8Twin(kind, [i8([rows, K], qp(sIn, zp(r)))], [wv, ...bias], { fused_activation: act }, i8([rows, o], qp(sOut, zp(r)))) };
    }
    const [s, d, n] = [int(r, 1, 2), int(r, 1, 2), int(r, 1, 2)];
    const padding = r() < 0.5 || (k - 1) * d + 1 > Math.min(h, w) ? 'same' : 'valid';
    const outShape = [n, windowOutputSize(h, k, s, d, padding), windowOutputSize(w, k, s, d, padding), channels];
    const wShape = kind === 'conv_2d' ? [o, k, k, c] : [1, k, k, channels];
    const wv = constant({ dtype: 'int8', shape: wShape, quant: wQuant(kind === 'conv_2d' ? 0 : 3) }, int8Data(r, numel(wShape)));
    const attrs = { padding, stride_h: s, stride_w: s, dilation_h: d, dilation_w: d, fused_activation: act, ...(kind === 'depthwise_conv_2d' ? { depth_multiplier: m } : {}) };
    return { graph: uint8Twin(kind, [i8([n, h, w, c], qp(sIn, zp(r)))], [wv, ...bias], attrs, i8(outShape, qp(sOut, zp(r)))) };
  };
}

function pool(kind: 'max_pool_2d' | 'average_pool_2d'): Maker {
  return (r) => {
    const q = qp(logScale(r, -8, -1), zp(r));
    const [h, w, c, f, s] = [int(r, 2, 8), int(r, 2, 8), int(r, 1, 5), int(r, 1, 3), int(r, 1, 2)];
    const padding = r() < 0.5 || f > Math.min(h, w) ? 'same' : 'valid';
    const out = [1, windowOutputSize(h, f, s, 1, padding), windowOutputSize(w, f, s, 1, padding), c];
    return { graph: uint8Twin(kind, [i8([1, h, w, c], q)], [], { padding, filter_h: f, filter_w: f, stride_h: s, stride_w: s, fused_activation: pick(r, ACTS) }, i8(out, q)) };
  };
}

const mean: Maker = (r) => {
  const shape = [1, int(r, 1, 6), int(r, 1, 6), int(r, 1, 8)];
  const axes = pick(r, [[1, 2], [2, 1], [2], [1], [3], [1, 3]]);
  const keep = r() < 0.5;
  const inQ = qp(logScale(r, -8, -1), zp(r));
  const outQ = r() < 0.25 ? inQ : qp(inQ.scale[0] * 2 ** (-3 + 6 * r()), zp(r));
  const out = keep ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
  return { graph: uint8Twin('mean', [i8(shape, inQ)], [], { axes, keep_dims: keep }, i8(out, outQ)) };
};

function binary(kind: 'add' | 'sub' | 'mul'): Maker {
  return (r) => {
    const shape = [int(r, 1, 3), int(r, 1, 4), int(r, 1, 8)];
    const bShape = pick(r, [shape, shape.slice(-1), [1]]);
    const [sa, sb] = [logScale(r, -8, 0), logScale(r, -8, 0)];
    // a quarter of the graphs lie outside XNNPACK's scale ranges, where LiteRT runs the builtin kernel
    const extreme = r() < 0.25;
    const so = kind === 'mul' ? fl(sa * sb * 2 ** (extreme ? pick(r, [-19, 9]) : -2 + 8 * r())) : fl(Math.max(sa, sb) * 2 ** (extreme ? pick(r, [-10, 11]) : -3 + 5 * r()));
    return { graph: uint8Twin(kind, [i8(shape, qp(sa, zp(r))), i8(bShape, qp(sb, zp(r)))], [], { fused_activation: pick(r, ACTS) }, i8(shape, qp(so, zp(r)))) };
  };
}

function unary(kind: 'relu' | 'relu6' | 'logistic' | 'tanh' | 'softmax'): Maker {
  return (r) => {
    const shape = [int(r, 1, 4), int(r, 1, 40)];
    const inQ = qp(logScale(r, -8, -2), zp(r));
    const fixed = { logistic: qp(1 / 256, -128), tanh: qp(1 / 128, 0), softmax: qp(1 / 256, -128) } as const;
    const outQ = kind === 'relu' || kind === 'relu6' ? qp(inQ.scale[0] * 2 ** (-2 + 4 * r()), zp(r)) : fixed[kind];
    const attrs = kind === 'softmax' ? { beta: r() < 0.5 ? 1 : fl(0.5 + 1.5 * r()) } : {};
    return { graph: uint8Twin(kind, [i8(shape, inQ)], [], attrs, i8(shape, outQ)) };
  };
}

function layout(kind: 'reshape' | 'pad' | 'transpose' | 'concatenation' | 'resize_nearest_neighbor' | 'minimum'): Maker {
  return (r) => {
    const q = qp(logScale(r, -8, -1), zp(r));
    const s = [1, int(r, 1, 4), int(r, 1, 4), int(r, 1, 5)];
    switch (kind) {
      case 'reshape':
        return { graph: uint8Twin(kind, [i8(s, q)], [], { new_shape: [s[1] * s[2], s[3]] }, i8([s[1] * s[2], s[3]], q)) };
      case 'pad': {
        const p = s.flatMap((_, i) => (i === 0 ? [0, 0] : [int(r, 0, 2), int(r, 0, 2)]));
        return { graph: uint8Twin(kind, [i8(s, q)], [], { paddings: p }, i8(s.map((d, i) => d + p[2 * i] + p[2 * i + 1]), q)) };
      }
      case 'transpose': {
        const perm = pick(r, [[0, 2, 1, 3], [0, 3, 1, 2], [3, 2, 1, 0], [0, 1, 3, 2]]);
        return { graph: uint8Twin(kind, [i8(s, q)], [], { perm }, i8(perm.map((i) => s[i]), q)) };
      }
      case 'concatenation': {
        const s2 = [1, s[1], s[2], int(r, 1, 4)];
        return { graph: uint8Twin(kind, [i8(s, q), i8(s2, q)], [], { axis: 3 }, i8([1, s[1], s[2], s[3] + s2[3]], q)) };
      }
      case 'resize_nearest_neighbor': {
        const size = [int(r, 1, 8), int(r, 1, 8)];
        const align = r() < 0.3;
        return { graph: uint8Twin(kind, [i8(s, q)], [], { size, align_corners: align, half_pixel_centers: !align && r() < 0.5 }, i8([1, size[0], size[1], s[3]], q)) };
      }
      case 'minimum':
        return { graph: uint8Twin(kind, [i8(s, q), i8(s.slice(-1), q)], [], {}, i8(s, q)) };
    }
  };
}

/** int8 → int8 QUANTIZE (XNNPACK convert, or the builtin Requantize outside 2⁻⁸…2⁷) and uint8 I/O at other scales. */
const requantize: Maker = (r) => {
  const n = int(r, 1, 64);
  const inQ = qp(logScale(r, -8, -1), zp(r));
  const outQ = qp(inQ.scale[0] * 2 ** (r() < 0.2 ? pick(r, [-10, 9]) : -3 + 6 * r()), zp(r));
  const g = new Graph('requantize');
  const x = g.add('quantize', [g.addInput('x', u8Of(i8([n], inQ)))], {}, { types: [i8([n], inQ)] });
  const y = g.add('quantize', [x], {}, { types: [i8([n], outQ)] });
  // the output side at its own uint8 parameters: the builtin Requantize, not the x ^ 0x80 shortcut
  g.outputs.push(g.add('quantize', [y], {}, { types: [{ dtype: 'uint8', shape: [n], quant: qp(logScale(r, -8, -1), int(r, 0, 255)) }], names: ['y'] }));
  return { graph: g };
};

/** Fixed cases at the near-ties of ARITHMETIC.md, built by hand (see int8-exact.test.ts). */
function fixedCase(kind: 'conv_tie' | 'logistic_tie'): Case {
  if (kind === 'conv_tie') {
    // acc = 7456 with s_c = fl(fl(0.125·0.007982181385159492)/0.1836887151002884): fl(acc·s_c) = 40.5 exactly
    const sW = [0.007982181385159492];
    const w = constant({ dtype: 'int8', shape: [1, 1, 1, 1], quant: { scale: sW, zeroPoint: [0] } }, Int8Array.of(127));
    const b = constant({ dtype: 'int32', shape: [1], quant: { scale: [fl(0.125 * sW[0])], zeroPoint: [0] } }, Int32Array.of(7329));
    return { graph: uint8Twin('conv_2d', [i8([1, 1, 1, 1], qp(0.125, -10))], [w, b], { padding: 'valid' }, i8([1, 1, 1, 1], qp(0.1836887151002884, 0))) };
  }
  // s_in = 0.02018055133521557 (q = −56: y·256 = 62.5000038), 0.09303057938814163 (q = 35: y·256 = 246.5)
  // and 0.02383744716644287 (q = −35: y·256 = 77.5)
  const g = new Graph('logistic_tie');
  for (const s of [0.02018055133521557, 0.09303057938814163, 0.02383744716644287]) {
    const x = g.add('quantize', [g.addInput(`x${g.inputs.length}`, u8Of(i8([256], qp(s, 0))))], {}, { types: [i8([256], qp(s, 0))] });
    const y = g.add('logistic', [x], {}, { types: [i8([256], qp(1 / 256, -128))] });
    g.outputs.push(g.add('quantize', [y], {}, { types: [u8Of(i8([256], qp(1 / 256, -128)))], names: [`y${g.outputs.length}`] }));
  }
  return { graph: g };
}

const MAKERS: Record<string, Maker> = {
  conv_2d: weighted('conv_2d'),
  depthwise_conv_2d: weighted('depthwise_conv_2d'),
  fully_connected: weighted('fully_connected'),
  max_pool_2d: pool('max_pool_2d'),
  average_pool_2d: pool('average_pool_2d'),
  mean,
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  relu: unary('relu'),
  relu6: unary('relu6'),
  logistic: unary('logistic'),
  tanh: unary('tanh'),
  softmax: unary('softmax'),
  reshape: layout('reshape'),
  pad: layout('pad'),
  transpose: layout('transpose'),
  concatenation: layout('concatenation'),
  resize_nearest_neighbor: layout('resize_nearest_neighbor'),
  minimum: layout('minimum'),
  quantize: requantize,
};

interface Agreement {
  graphs: number;
  inputs: number;
  bytes: number;
  equal: number;
  first?: string;
}

let litert: LiteRtNode;
const report: Record<string, Agreement> = {};

/** Runs `c` in LiteRT and in our interpreter on `inputs` uint8 inputs (random by default); counts equal output bytes. */
async function agree(name: string, c: Case, r: () => number, inputs: number, input?: (n: number, v: Value) => Uint8Array): Promise<void> {
  const a = (report[name] ??= { graphs: 0, inputs: 0, bytes: 0, equal: 0 });
  const model = await litert.compile(emit(c.graph));
  const ours = new Interpreter(c.graph, { arithmetic: 'xnnpack' });
  try {
    for (let n = 0; n < inputs; n++) {
      const xs = c.graph.inputs.map((v) => input?.(n, v) ?? Uint8Array.from({ length: numel(v.type.shape) }, () => Math.floor(r() * 256)));
      const mine = ours.run(xs) as Uint8Array[];
      const theirs = (await model.run(xs)) as Uint8Array[];
      mine.forEach((y, k) =>
        y.forEach((v, i) => {
          a.bytes++;
          if (v === theirs[k][i]) a.equal++;
          else a.first ??= `graph ${a.graphs}, input ${n}, output ${k}[${i}]: ours ${v}, LiteRT ${theirs[k][i]}`;
        }),
      );
      a.inputs++;
    }
  } finally {
    model.dispose();
  }
  a.graphs++;
}

describe(`int8 kernels: our interpreter (xnnpack) and LiteRT byte for byte (seed ${SEED}, ${GRAPHS} graphs × ${INPUTS} inputs per op)`, () => {
  beforeAll(async () => {
    litert = await loadLiteRtNode();
  });
  afterAll(() => {
    const rows = Object.entries(report).map(([op, a]) => `${op.padEnd(24)} ${((100 * a.equal) / a.bytes).toFixed(3).padStart(8)}%  ${String(a.bytes).padStart(7)} bytes  ${a.inputs} inputs / ${a.graphs} graphs${a.first ? `  first: ${a.first}` : ''}`);
    console.log(`agreement with LiteRT per op:\n${rows.join('\n')}`);
  });

  for (const [name, make] of Object.entries(MAKERS)) {
    it(`${name}: identical bytes`, async () => {
      const r = rng(SEED ^ name.length * 7919 ^ name.charCodeAt(0));
      for (let g = 0; g < GRAPHS; g++) await agree(name, make(r), r, INPUTS);
      const a = report[name];
      expect(a.first, `${name}: ${a.bytes - a.equal} of ${a.bytes} bytes differ`).toBeUndefined();
      expect(a.inputs).toBe(GRAPHS * INPUTS);
    });
  }

  it('the near-ties of ARITHMETIC.md: conv decided on fl(acc·s_c), logistic table entries', async () => {
    const r = rng(SEED);
    // every input byte: x = −9 (byte 119) is the conv's near-tie, q = −56 and −35 the logistic ones
    const every = (n: number, v: Value) => new Uint8Array(numel(v.type.shape)).fill(n);
    await agree('conv near-tie', fixedCase('conv_tie'), r, 256, every);
    const c = fixedCase('logistic_tie');
    await agree('logistic near-tie', c, r, 1, (_, v) => Uint8Array.from({ length: numel(v.type.shape) }, (_, i) => i));
    for (const name of ['conv near-tie', 'logistic near-tie']) expect(report[name].first, name).toBeUndefined();
    // and the near-tie entries are xnnpack's formula (−66, 118, −50, plus 128), not the reference's (−65, 119, −50); the conv gives 40
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const mine = new Interpreter(c.graph).run([all, all, all]) as Uint8Array[];
    expect([mine[0][-56 + 128], mine[1][35 + 128], mine[2][-35 + 128]]).toEqual([62, 246, 78]);
    const conv = fixedCase('conv_tie');
    expect([...(new Interpreter(conv.graph).run([Uint8Array.of(119)])[0] as Uint8Array)]).toEqual([40 + 128]);
  });
});

describe('hybrid kernels: our interpreter and LiteRT bit for bit (float I/O)', () => {
  const kinds = ['fully_connected', 'conv_2d', 'depthwise_conv_2d'] as const;
  for (const kind of kinds) {
    it(`${kind}: identical float32 outputs`, async () => {
      litert ??= await loadLiteRtNode();
      const r = rng(SEED + kind.length);
      let values = 0;
      let equal = 0;
      for (let graph = 0; graph < GRAPHS; graph++) {
        const [h, w, c, o, m, k] = [int(r, 3, 9), int(r, 3, 9), int(r, 1, 8), int(r, 1, 10), int(r, 1, 2), int(r, 1, 3)];
        const channels = kind === 'depthwise_conv_2d' ? c * m : o;
        const sW = Array.from({ length: channels }, () => logScale(r, -9, -4));
        const K = int(r, 1, 80);
        // a third of the convolutions are 1×1 with stride 1: XNNPACK quantizes those per pixel
        const pointwise = kind === 'conv_2d' && r() < 0.33;
        const kk = pointwise ? 1 : k;
        const wShape = kind === 'fully_connected' ? [o, K] : kind === 'conv_2d' ? [o, kk, kk, c] : [1, k, k, channels];
        const wv = constant({ dtype: 'int8', shape: wShape, quant: { scale: sW, zeroPoint: sW.map(() => 0), axis: kind === 'depthwise_conv_2d' ? 3 : 0 } }, int8Data(r, numel(wShape)));
        const bias = r() < 0.8 ? [constant({ dtype: 'float32', shape: [channels] }, Float32Array.from({ length: channels }, () => r() - 0.5))] : [];
        const xShape = kind === 'fully_connected' ? [int(r, 1, 3), K] : [int(r, 1, 2), h, w, c];
        const g = new Graph(kind);
        const x = g.addInput('x', { dtype: 'float32', shape: xShape });
        const act = pick(r, ACTS);
        const attrs =
          kind === 'fully_connected'
            ? { fused_activation: act }
            : { padding: 'same' as const, stride_h: pointwise ? 1 : int(r, 1, 2), stride_w: pointwise ? 1 : int(r, 1, 2), fused_activation: act, ...(kind === 'depthwise_conv_2d' ? { depth_multiplier: m } : {}) };
        g.outputs.push(g.add(kind, [x, wv, ...bias], attrs as never, { names: ['y'] }));
        const model = await litert.compile(emit(g));
        const ours = new Interpreter(g);
        for (let n = 0; n < INPUTS; n++) {
          const offset = r() - 0.3;
          const xs = Float32Array.from({ length: numel(xShape) }, () => fl((2 * r() - 1) * 3 + offset));
          const a = ours.run([xs])[0] as Float32Array;
          const b = (await model.run([xs]))[0] as Float32Array;
          for (let i = 0; i < a.length; i++) {
            values++;
            if (Object.is(a[i], b[i]) || a[i] === b[i]) equal++;
          }
        }
        model.dispose();
      }
      console.log(`hybrid ${kind}: ${equal}/${values} float32 outputs identical to LiteRT's (${GRAPHS} graphs × ${INPUTS} inputs)`);
      expect(equal).toBe(values);
    });
  }
});

describe("the tutorial's MNIST model through the quantization passes: LiteRT and our interpreter agree", () => {
  const MODEL = fileURLToPath(new URL('../fixtures/mnist/model.json', import.meta.url));
  const N = 10_000;

  async function quantized(mode: 'int8' | 'dynamic', io: 'uint8' | 'float32'): Promise<Graph> {
    const g = runPipeline(importModelJson(MODEL), ['remove-identity', 'fold-batch-norm', 'fuse-activation', 'fold-constants']);
    const train = loadMnist('train', { limit: 100 });
    const dataset = Array.from({ length: 100 }, (_, i) => [Float32Array.from(train.images.subarray(i * 784, (i + 1) * 784), (p) => p / 255)]);
    const recipe = { mode, integerOnly: mode === 'int8', inputType: io, outputType: io, perChannelDense: true } as const;
    return runPipelineAsync(g, quantizationPipeline(recipe), { calibration: { dataset } });
  }

  for (const io of ['uint8', 'float32'] as const) {
    it(`integer-only with ${io} I/O: byte-identical outputs on all ${N} test images`, async () => {
      litert ??= await loadLiteRtNode();
      const g = await quantized('int8', io);
      const model = await litert.compile(emit(g));
      const ours = new Interpreter(g);
      const test = loadMnist('test', { limit: N });
      let equal = 0;
      let total = 0;
      try {
        for (let i = 0; i < N; i++) {
          const pixels = test.images.subarray(i * 784, (i + 1) * 784);
          // uint8 I/O keeps the calibrated input scale 1/255 with zero point 0: the raw pixels are the input
          const x = io === 'uint8' ? Uint8Array.from(pixels) : Float32Array.from(pixels, (p) => p / 255);
          const a = ours.run([x])[0];
          const b = (await model.run([x]))[0];
          for (let k = 0; k < a.length; k++) {
            total++;
            if (a[k] === b[k]) equal++;
          }
        }
      } finally {
        model.dispose();
      }
      console.log(`MNIST int8 (${io} I/O): ${equal}/${total} outputs identical to LiteRT's over ${N} images`);
      if (io === 'uint8') expect(g.inputs[0].type.quant).toEqual({ scale: [fl(1 / 255)], zeroPoint: [0] });
      expect(equal).toBe(total);
    });
  }

  it('dynamic range: the hybrid fully_connected is bit-identical on LiteRT’s own float prefix (1,000 test images)', async () => {
    // The hybrid kernel quantizes its float input at run time, so it amplifies any float difference
    // upstream; fed the same input (LiteRT's output of the float conv/pool prefix) it must agree exactly.
    litert ??= await loadLiteRtNode();
    const g = await quantized('dynamic', 'float32');
    const fcOp = g.ops.find((o) => o.kind === 'fully_connected')!;
    expect(fcOp.inputs[1].type.dtype).toBe('int8');
    const prefix = g.clone();
    prefix.outputs = [prefix.ops.find((o) => o.kind === 'fully_connected')!.inputs[0]];
    prefix.outputs[0].name = 'h';
    prefix.removeDeadOps();
    const fc = new Graph('fc');
    const h = fc.addInput('h', { ...fcOp.inputs[0].type });
    fc.outputs.push(fc.add('fully_connected', [h, ...fcOp.inputs.slice(1)], fcOp.attrs, { names: ['y'] }));
    const [prefixModel, fcModel] = [await litert.compile(emit(prefix)), await litert.compile(emit(fc))];
    const ours = new Interpreter(fc);
    const test = loadMnist('test', { limit: 1000 });
    let equal = 0;
    let total = 0;
    try {
      for (let i = 0; i < 1000; i++) {
        const x = Float32Array.from(test.images.subarray(i * 784, (i + 1) * 784), (p) => p / 255);
        const hidden = (await prefixModel.run([x]))[0] as Float32Array;
        const a = ours.run([hidden])[0] as Float32Array;
        const b = (await fcModel.run([hidden]))[0] as Float32Array;
        for (let k = 0; k < a.length; k++) {
          total++;
          if (a[k] === b[k]) equal++;
        }
      }
    } finally {
      prefixModel.dispose();
      fcModel.dispose();
    }
    console.log(`MNIST dynamic range, hybrid fully_connected: ${equal}/${total} outputs identical to LiteRT's`);
    expect(equal).toBe(total);
  });
});
