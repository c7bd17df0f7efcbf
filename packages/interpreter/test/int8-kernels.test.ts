/**
 * Property tests of every int8 kernel (fast-check, fixed seed and runs): on random shapes,
 * attributes, quantization parameters and data, the int8 result — in both arithmetics — lies within
 * a bound derived from the scales of the float kernel's result on the dequantized inputs, and the
 * `xnnpack` and `reference` results are at most one step apart.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, windowOutputSize, type Activation, type AttrsArg, type OpKind, type Value } from '@octet/ir';
import { integerKernelBound, MODE_DIFFERENCE_STEPS } from '@octet/testing';
import { bias, deviation, fl, i8, numel, oneOp, qp, randomInt8, rng, runFloat, runInt8, SEED, stepsApart, weights, type OneOp } from './int8-helpers.ts';

const RUNS = 150;
const opts = { numRuns: RUNS, seed: SEED };

/** A case: the one-op graph, and what the bound needs — Σ|term| the scales allow and the count of terms. */
interface Case {
  op: OneOp;
  magnitude: number;
  terms: number;
  /** Output steps allowed (1 by default: the final rounding plus a second one). */
  steps?: number;
}

/** Checks one case against the float kernel (both modes) and the modes against each other. */
function check(c: Case): void {
  const out = c.op.graph.outputs[0].type;
  const reference = runFloat(c.op);
  const bound = integerKernelBound(fl(out.quant!.scale[0]), c.magnitude, c.terms, c.steps);
  const results = (['xnnpack', 'reference'] as const).map((mode) => {
    const y = runInt8(c.op, mode);
    const d = deviation(out, y, reference);
    if (!(d.max <= bound)) {
      throw new Error(`${mode}: element ${d.at} is ${d.int8} (real ${fl(out.quant!.scale[0]) * (d.int8 - out.quant!.zeroPoint[0])}), the float kernel gives ${d.float}: |error| ${d.max} > bound ${bound}`);
    }
    return y;
  });
  const apart = stepsApart(results[0], results[1]);
  if (apart > MODE_DIFFERENCE_STEPS) throw new Error(`xnnpack and reference results are ${apart} steps apart`);
}

// --- parameters ------------------------------------------------------------------------------------

const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const actArb = fc.constantFrom<Activation>(...ACTIVATIONS);
/** 2^e · m for a uniform exponent in [lo, hi) and m ∈ [1, 2): a log-uniform float32 scale. */
const logScale = (r: () => number, lo: number, hi: number) => fl(2 ** (lo + r() * (hi - lo)));
const zeroPoint = (r: () => number) => Math.floor(r() * 256) - 128;

// --- conv_2d, depthwise_conv_2d, fully_connected ------------------------------------------------------

const weightedArb = fc.record({
  kind: fc.constantFrom('conv_2d' as const, 'depthwise_conv_2d' as const, 'fully_connected' as const),
  n: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 7 }),
  w: fc.integer({ min: 1, max: 7 }),
  c: fc.integer({ min: 1, max: 6 }),
  o: fc.integer({ min: 1, max: 9 }),
  m: fc.integer({ min: 1, max: 3 }),
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  sh: fc.integer({ min: 1, max: 2 }),
  sw: fc.integer({ min: 1, max: 2 }),
  dh: fc.integer({ min: 1, max: 2 }),
  dw: fc.integer({ min: 1, max: 2 }),
  same: fc.boolean(),
  act: actArb,
  hasBias: fc.boolean(),
  perChannel: fc.boolean(),
  seed: seedArb,
});

type ParamsOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

function weightedCase(p: ParamsOf<typeof weightedArb>): Case {
  const r = rng(p.seed);
  const sIn = logScale(r, -8, -2);
  const inQ = qp(sIn, zeroPoint(r));
  const padding = p.same || (p.kh - 1) * p.dh + 1 > p.h || (p.kw - 1) * p.dw + 1 > p.w ? 'same' : 'valid';
  const channels = p.kind === 'depthwise_conv_2d' ? p.c * p.m : p.o;
  const sW = Array.from({ length: p.perChannel ? channels : 1 }, () => logScale(r, -10, -4));
  const maxSW = Math.max(...sW);
  // requantization scale s_in·s_w/s_out ∈ [2^-9, 1]: outputs of tens of steps, XNNPACK's range
  const sOut = fl((sIn * maxSW) / 2 ** (-9 + 9 * r()));
  const outQ = qp(sOut, zeroPoint(r));
  const biasData = Int32Array.from({ length: channels }, () => Math.floor((r() - 0.5) * 40000));
  const weightAxis = p.kind === 'depthwise_conv_2d' ? 3 : 0;
  const extra = (w: Value): Value[] => (p.hasBias ? [w, bias(sIn, sW.length === 1 ? Array(channels).fill(sW[0]) : sW, biasData)] : [w]);
  let op: OneOp;
  let K: number;
  if (p.kind === 'fully_connected') {
    K = p.c * p.kh * p.kw;
    const rows = p.n * p.h;
    const w = weights([p.o, K], sW, 0, randomInt8(p.o * K, r, -127, 127));
    op = oneOp('fully_connected', [i8([rows, K], inQ)], [randomInt8(rows * K, r)], extra(w), { fused_activation: p.act }, i8([rows, p.o], outQ));
  } else {
    const inShape = [p.n, p.h, p.w, p.c];
    const outH = windowOutputSize(p.h, p.kh, p.sh, p.dh, padding);
    const outW = windowOutputSize(p.w, p.kw, p.sw, p.dw, padding);
    const conv = p.kind === 'conv_2d';
    K = p.kh * p.kw * (conv ? p.c : 1);
    const wShape = conv ? [p.o, p.kh, p.kw, p.c] : [1, p.kh, p.kw, channels];
    const w = weights(wShape, sW, weightAxis, randomInt8(numel(wShape), r, -127, 127));
    const attrs = { padding, stride_h: p.sh, stride_w: p.sw, dilation_h: p.dh, dilation_w: p.dw, fused_activation: p.act } as const;
    const out = i8([p.n, outH, outW, channels], outQ);
    op = conv
      ? oneOp('conv_2d', [i8(inShape, inQ)], [randomInt8(numel(inShape), r)], extra(w), attrs, out)
      : oneOp('depthwise_conv_2d', [i8(inShape, inQ)], [randomInt8(numel(inShape), r)], extra(w), { ...attrs, depth_multiplier: p.m }, out);
  }
  const magnitude = K * 127 * maxSW * 255 * sIn + 20000 * sIn * maxSW;
  return { op, magnitude, terms: K + 1 };
}

// --- the other ops ----------------------------------------------------------------------------------

const poolArb = fc.record({
  kind: fc.constantFrom('max_pool_2d' as const, 'average_pool_2d' as const),
  n: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 7 }),
  w: fc.integer({ min: 1, max: 7 }),
  c: fc.integer({ min: 1, max: 5 }),
  fh: fc.integer({ min: 1, max: 3 }),
  fw: fc.integer({ min: 1, max: 3 }),
  sh: fc.integer({ min: 1, max: 2 }),
  sw: fc.integer({ min: 1, max: 2 }),
  same: fc.boolean(),
  act: actArb,
  seed: seedArb,
});

function poolCase(p: ParamsOf<typeof poolArb>): Case {
  const r = rng(p.seed);
  const q = qp(logScale(r, -8, -1), zeroPoint(r));
  const padding = p.same || p.fh > p.h || p.fw > p.w ? 'same' : 'valid';
  const shape = [p.n, p.h, p.w, p.c];
  const out = [p.n, windowOutputSize(p.h, p.fh, p.sh, 1, padding), windowOutputSize(p.w, p.fw, p.sw, 1, padding), p.c];
  const attrs = { padding, filter_h: p.fh, filter_w: p.fw, stride_h: p.sh, stride_w: p.sw, fused_activation: p.act } as const;
  return { op: oneOp(p.kind, [i8(shape, q)], [randomInt8(numel(shape), r)], [], attrs, i8(out, q)), magnitude: 256 * q.scale[0], terms: p.fh * p.fw };
}

const meanArb = fc.record({
  shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
  axesMask: fc.integer({ min: 1, max: 15 }),
  spatial: fc.boolean(),
  keepDims: fc.boolean(),
  sameParams: fc.boolean(),
  seed: seedArb,
});

function meanCase(p: ParamsOf<typeof meanArb>): Case {
  const r = rng(p.seed);
  // half the cases reduce a 4-D input over {1, 2} (GlobalAveragePooling), the rest any axes
  const shape = p.spatial ? [1 + (p.shape[0] % 2), ...p.shape.slice(0, 2).concat([3, 4]).slice(0, 2), 1 + (p.axesMask % 5)] : p.shape;
  const axes = p.spatial ? [1, 2] : shape.map((_, i) => i).filter((i) => p.axesMask & (1 << i));
  const reduced = axes.length ? axes : [0];
  const inQ = qp(logScale(r, -8, -1), zeroPoint(r));
  const outQ = p.sameParams ? inQ : qp(inQ.scale[0] * 2 ** (-3 + 6 * r()), zeroPoint(r));
  const outShape = p.keepDims ? shape.map((d, i) => (reduced.includes(i) ? 1 : d)) : shape.filter((_, i) => !reduced.includes(i));
  const n = reduced.reduce((a, i) => a * shape[i], 1);
  return { op: oneOp('mean', [i8(shape, inQ)], [randomInt8(numel(shape), r)], [], { axes: reduced, keep_dims: p.keepDims }, i8(outShape, outQ)), magnitude: 256 * inQ.scale[0], terms: n };
}

const binaryArb = fc.record({
  kind: fc.constantFrom('add' as const, 'sub' as const, 'mul' as const),
  shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  broadcast: fc.constantFrom('none', 'last', 'scalar'),
  act: actArb,
  extreme: fc.boolean(),
  seed: seedArb,
});

function binaryCase(p: ParamsOf<typeof binaryArb>): Case {
  const r = rng(p.seed);
  const sa = logScale(r, -8, 0);
  const sb = logScale(r, -8, 0);
  // `extreme` scales fall outside XNNPACK's ranges (2⁻¹⁰…256 for add/sub, 2⁻¹⁶…256 for mul)
  const so =
    p.kind === 'mul'
      ? fl(sa * sb * 2 ** (p.extreme ? (r() < 0.5 ? -19 : 9) : -2 + 8 * r()))
      : fl(Math.max(sa, sb) * 2 ** (p.extreme ? (r() < 0.5 ? -10 : 11) : -3 + 5 * r()));
  const bShape = p.broadcast === 'none' ? p.shape : p.broadcast === 'last' ? p.shape.slice(-1) : [1];
  const qa = qp(sa, zeroPoint(r));
  const qb = qp(sb, zeroPoint(r));
  const op = oneOp(p.kind, [i8(p.shape, qa), i8(bShape, qb)], [randomInt8(numel(p.shape), r), randomInt8(numel(bShape), r)], [], { fused_activation: p.act }, i8(p.shape, qp(so, zeroPoint(r))));
  return { op, magnitude: p.kind === 'mul' ? 256 * 256 * sa * sb : 256 * (sa + sb), terms: 2 };
}

const unaryArb = fc.record({
  kind: fc.constantFrom('relu' as const, 'relu6' as const, 'logistic' as const, 'tanh' as const, 'softmax' as const),
  rows: fc.integer({ min: 1, max: 3 }),
  depth: fc.integer({ min: 1, max: 20 }),
  seed: seedArb,
});

function unaryCase(p: ParamsOf<typeof unaryArb>): Case {
  const r = rng(p.seed);
  const shape = [p.rows, p.depth];
  const inQ = qp(logScale(r, -8, -2), zeroPoint(r));
  const data = [randomInt8(numel(shape), r)];
  const fixed = { logistic: qp(1 / 256, -128), tanh: qp(1 / 128, 0), softmax: qp(1 / 256, -128) } as const;
  const outQ = p.kind === 'relu' || p.kind === 'relu6' ? qp(inQ.scale[0] * 2 ** (-2 + 4 * r()), zeroPoint(r)) : fixed[p.kind];
  const attrs = (p.kind === 'softmax' ? { beta: r() < 0.5 ? 1 : fl(0.5 + 1.5 * r()) } : {}) as AttrsArg<typeof p.kind>;
  const op = oneOp(p.kind as OpKind, [i8(shape, inQ)], data, [], attrs as never, i8(shape, outQ));
  return { op, magnitude: p.kind === 'relu' || p.kind === 'relu6' ? 256 * inQ.scale[0] : 1, terms: p.kind === 'softmax' ? 2 * p.depth : 4 };
}

const layoutArb = fc.record({
  kind: fc.constantFrom('reshape' as const, 'pad' as const, 'transpose' as const, 'concatenation' as const, 'resize_nearest_neighbor' as const, 'minimum' as const),
  shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 4, maxLength: 4 }),
  rescale: fc.boolean(),
  seed: seedArb,
});

function layoutCase(p: ParamsOf<typeof layoutArb>): Case {
  const r = rng(p.seed);
  const q = qp(logScale(r, -8, -1), zeroPoint(r));
  const s = p.shape;
  const x = randomInt8(numel(s), r);
  const exact = { magnitude: 256 * q.scale[0], terms: 1, steps: 0 };
  switch (p.kind) {
    case 'reshape':
      return { op: oneOp('reshape', [i8(s, q)], [x], [], { new_shape: [s[0] * s[1], s[2] * s[3]] }, i8([s[0] * s[1], s[2] * s[3]], q)), ...exact };
    case 'pad': {
      const pads = s.flatMap(() => [Math.floor(r() * 3), Math.floor(r() * 3)]);
      return { op: oneOp('pad', [i8(s, q)], [x], [], { paddings: pads }, i8(s.map((d, i) => d + pads[2 * i] + pads[2 * i + 1]), q)), ...exact };
    }
    case 'transpose': {
      const perm = [0, 1, 2, 3].sort(() => r() - 0.5);
      return { op: oneOp('transpose', [i8(s, q)], [x], [], { perm }, i8(perm.map((i) => s[i]), q)), ...exact };
    }
    case 'resize_nearest_neighbor': {
      const size = [1 + Math.floor(r() * 7), 1 + Math.floor(r() * 7)];
      const attrs = { size, align_corners: r() < 0.3, half_pixel_centers: r() < 0.5 };
      if (attrs.align_corners) attrs.half_pixel_centers = false;
      return { op: oneOp('resize_nearest_neighbor', [i8(s, q)], [x], [], attrs, i8([s[0], size[0], size[1], s[3]], q)), ...exact };
    }
    case 'minimum':
      return { op: oneOp('minimum', [i8(s, q), i8(s.slice(3), q)], [x, randomInt8(s[3], r)], [], {}, i8(s, q)), ...exact };
    case 'concatenation': {
      // inputs at the output's parameters are copied (exact); with `rescale` the second input is rescaled (one rounding)
      const q2 = p.rescale ? qp(q.scale[0] * 2 ** (-2 + 3 * r()), zeroPoint(r)) : q;
      const s2 = [s[0], s[1], 1 + Math.floor(r() * 3), s[3]];
      const op = oneOp('concatenation', [i8(s, q), i8(s2, q2)], [x, randomInt8(numel(s2), r)], [], { axis: 2 }, i8([s[0], s[1], s[2] + s2[2], s[3]], q));
      return { op, magnitude: 256 * Math.max(q.scale[0], q2.scale[0]), terms: 2, steps: p.rescale ? 1 : 0 };
    }
  }
}

describe(`int8 kernels against the float kernels on dequantized inputs, both arithmetics (seed ${SEED}, ${RUNS} runs each)`, () => {
  it('conv_2d, depthwise_conv_2d, fully_connected (per-channel and per-tensor weights, with and without bias)', () => {
    fc.assert(fc.property(weightedArb, (p) => check(weightedCase(p))), opts);
  });
  it('max_pool_2d and average_pool_2d', () => {
    fc.assert(fc.property(poolArb, (p) => check(poolCase(p))), opts);
  });
  it('mean over any axes, with and without keep_dims, at the same or other parameters', () => {
    fc.assert(fc.property(meanArb, (p) => check(meanCase(p))), opts);
  });
  it('add, sub, mul with broadcasting, inside and outside the XNNPACK scale ranges', () => {
    fc.assert(fc.property(binaryArb, (p) => check(binaryCase(p))), opts);
  });
  it('relu, relu6, logistic, tanh, softmax', () => {
    fc.assert(fc.property(unaryArb, (p) => check(unaryCase(p))), opts);
  });
  it('data movement is exact: reshape, pad (with the zero point), transpose, resize_nearest_neighbor, minimum, concatenation', () => {
    fc.assert(fc.property(layoutArb, (p) => check(layoutCase(p))), opts);
  });

  it('the check catches a kernel two steps off', () => {
    const c = weightedCase({ kind: 'fully_connected', n: 1, h: 1, w: 2, c: 3, o: 4, m: 1, kh: 2, kw: 2, sh: 1, sw: 1, dh: 1, dw: 1, same: true, act: 'none', hasBias: true, perChannel: true, seed: 7 });
    const out = c.op.graph.outputs[0].type;
    const y = runInt8(c.op, 'xnnpack').map((v) => Math.min(v + 2, 127));
    expect(deviation(out, y, runFloat(c.op)).max).toBeGreaterThan(integerKernelBound(fl(out.quant!.scale[0]), c.magnitude, c.terms));
  });
});
