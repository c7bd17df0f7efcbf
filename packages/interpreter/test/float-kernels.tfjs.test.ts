/**
 * Every float kernel against @tensorflow/tfjs (cpu backend) on random shapes, attributes and values,
 * to 1e-5 × max|tfjs| (issue 2's acceptance bound). Weights are built in TFLite's layouts and handed
 * to tfjs in its own (conv OHWI → HWIO, depthwise [1,H,W,C·M] → [H,W,C,M], fully_connected [out,in]
 * → matMul with transposeB).
 */
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { ACTIVATIONS, constant, Graph, type Activation, type Value } from '@octet/ir';
import { interpret } from '../src/index.ts';
import { expectClose, numel, randomData, SEED, tf, tfActivation, tfData, useCpuBackend } from './oracle.ts';

const RUNS = 200;
const opts = { numRuns: RUNS, seed: SEED };
const f32 = (shape: number[]) => ({ dtype: 'float32' as const, shape });
const act = fc.constantFrom<Activation>(...ACTIVATIONS);
const dataSeed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** One op on graph inputs `xs`, run by the interpreter. */
function ours(shapes: number[][], data: Float32Array[], build: (g: Graph, xs: Value[]) => Value): Float32Array {
  const g = new Graph('case');
  const xs = shapes.map((s, i) => g.addInput(`x${i}`, f32(s)));
  g.outputs.push(build(g, xs));
  return interpret(g, data)[0] as Float32Array;
}

/** TensorFlow's SAME/VALID padding (before, after) along one dimension, written out for the oracle. */
function tfPadding(size: number, k: number, stride: number, dilation: number, padding: 'same' | 'valid'): [number, number, number] {
  const eff = (k - 1) * dilation + 1;
  const out = padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - eff) / stride) + 1;
  const total = padding === 'same' ? Math.max((out - 1) * stride + eff - size, 0) : 0;
  return [Math.floor(total / 2), total - Math.floor(total / 2), out];
}

/**
 * tfjs refuses strides > 1 together with dilations > 1; then the oracle pads explicitly, convolves
 * with stride 1 and keeps every stride-th row and column (the definition of a strided conv).
 */
function tfWindowed(
  x: tf.Tensor4D,
  k: [number, number],
  s: [number, number],
  d: [number, number],
  padding: 'same' | 'valid',
  conv: (x: tf.Tensor4D, strides: [number, number], pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]]) => tf.Tensor4D,
): tf.Tensor {
  if ((s[0] === 1 && s[1] === 1) || (d[0] === 1 && d[1] === 1)) return conv(x, s, padding);
  const [, h, w] = x.shape;
  const [top, bottom, outH] = tfPadding(h, k[0], s[0], d[0], padding);
  const [left, right, outW] = tfPadding(w, k[1], s[1], d[1], padding);
  const full = conv(x, [1, 1], [[0, 0], [top, bottom], [left, right], [0, 0]]);
  return tf.stridedSlice(full, [0, 0, 0, 0], [full.shape[0], (outH - 1) * s[0] + 1, (outW - 1) * s[1] + 1, full.shape[3]], [1, s[0], s[1], 1]);
}

const windowCase = {
  n: fc.integer({ min: 1, max: 2 }),
  kh: fc.integer({ min: 1, max: 4 }),
  kw: fc.integer({ min: 1, max: 4 }),
  sh: fc.integer({ min: 1, max: 3 }),
  sw: fc.integer({ min: 1, max: 3 }),
  extraH: fc.integer({ min: 0, max: 5 }),
  extraW: fc.integer({ min: 0, max: 5 }),
  padding: fc.constantFrom<'same' | 'valid'>('same', 'valid'),
  act,
  seed: dataSeed,
};
/** Input size: any for SAME; at least the dilated window for VALID. */
const spatial = (k: number, d: number, extra: number, padding: 'same' | 'valid') => (padding === 'valid' ? (k - 1) * d + 1 + extra : 1 + extra);

beforeAll(useCpuBackend);

describe(`float kernels agree with tfjs (cpu) — fast-check seed ${SEED}, ${RUNS} runs each`, () => {
  it('conv_2d: paddings, strides, dilations, bias, fused activations', () => {
    const conv = fc.record({ ...windowCase, ci: fc.integer({ min: 1, max: 4 }), co: fc.integer({ min: 1, max: 4 }), dh: fc.integer({ min: 1, max: 3 }), dw: fc.integer({ min: 1, max: 3 }), bias: fc.boolean() });
    fc.assert(
      fc.property(conv, (c) => {
        const shape = [c.n, spatial(c.kh, c.dh, c.extraH, c.padding), spatial(c.kw, c.dw, c.extraW, c.padding), c.ci];
        const x = randomData(numel(shape), c.seed);
        const w = randomData(c.co * c.kh * c.kw * c.ci, c.seed + 1); // OHWI
        const b = randomData(c.co, c.seed + 2);
        const attrs = { padding: c.padding, stride_h: c.sh, stride_w: c.sw, dilation_h: c.dh, dilation_w: c.dw, fused_activation: c.act };
        const got = ours([shape], [x], (g, [xv]) =>
          g.add('conv_2d', [xv, constant(f32([c.co, c.kh, c.kw, c.ci]), w), ...(c.bias ? [constant(f32([c.co]), b)] : [])], attrs),
        );
        const want = tfData(() => {
          const hwio = tf.transpose(tf.tensor4d(w, [c.co, c.kh, c.kw, c.ci]), [1, 2, 3, 0]) as tf.Tensor4D;
          const y = tfWindowed(tf.tensor4d(x, shape as [number, number, number, number]), [c.kh, c.kw], [c.sh, c.sw], [c.dh, c.dw], c.padding, (xt, s, p) =>
            tf.conv2d(xt, hwio, s, p, 'NHWC', [c.dh, c.dw]),
          );
          return tfActivation(c.bias ? tf.add(y, tf.tensor1d(b)) : y, c.act);
        });
        expectClose(got, want, `conv_2d ${JSON.stringify(c)}`);
      }),
      opts,
    );
  });

  it('depthwise_conv_2d: depth multipliers, paddings, strides, dilations', () => {
    const dw = fc.record({ ...windowCase, c: fc.integer({ min: 1, max: 3 }), m: fc.integer({ min: 1, max: 3 }), dh: fc.integer({ min: 1, max: 3 }), dw: fc.integer({ min: 1, max: 3 }), bias: fc.boolean() });
    fc.assert(
      fc.property(dw, (c) => {
        const shape = [c.n, spatial(c.kh, c.dh, c.extraH, c.padding), spatial(c.kw, c.dw, c.extraW, c.padding), c.c];
        const x = randomData(numel(shape), c.seed);
        const w = randomData(c.kh * c.kw * c.c * c.m, c.seed + 1); // [1, H, W, C·M]
        const b = randomData(c.c * c.m, c.seed + 2);
        const attrs = { padding: c.padding, stride_h: c.sh, stride_w: c.sw, dilation_h: c.dh, dilation_w: c.dw, depth_multiplier: c.m, fused_activation: c.act };
        const got = ours([shape], [x], (g, [xv]) =>
          g.add('depthwise_conv_2d', [xv, constant(f32([1, c.kh, c.kw, c.c * c.m]), w), ...(c.bias ? [constant(f32([c.c * c.m]), b)] : [])], attrs),
        );
        const want = tfData(() => {
          // channel c·M + m of [1,H,W,C·M] is [H,W,C,M][c][m]: a reshape, no transpose
          const hwcm = tf.tensor4d(w, [c.kh, c.kw, c.c, c.m]);
          const y = tfWindowed(tf.tensor4d(x, shape as [number, number, number, number]), [c.kh, c.kw], [c.sh, c.sw], [c.dh, c.dw], c.padding, (xt, s, p) =>
            tf.depthwiseConv2d(xt, hwcm, s, p, 'NHWC', [c.dh, c.dw]),
          );
          return tfActivation(c.bias ? tf.add(y, tf.tensor1d(b)) : y, c.act);
        });
        expectClose(got, want, `depthwise_conv_2d ${JSON.stringify(c)}`);
      }),
      opts,
    );
  });

  it('fully_connected: flattened and keep_num_dims inputs, bias, fused activations', () => {
    const fcCase = fc.record({
      lead: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      k: fc.integer({ min: 1, max: 8 }),
      out: fc.integer({ min: 1, max: 6 }),
      keep: fc.boolean(),
      bias: fc.boolean(),
      act,
      seed: dataSeed,
    });
    fc.assert(
      fc.property(fcCase, (c) => {
        const shape = [...c.lead, c.k];
        const x = randomData(numel(shape), c.seed);
        const w = randomData(c.out * c.k, c.seed + 1);
        const b = randomData(c.out, c.seed + 2);
        const got = ours([shape], [x], (g, [xv]) =>
          g.add('fully_connected', [xv, constant(f32([c.out, c.k]), w), ...(c.bias ? [constant(f32([c.out]), b)] : [])], { keep_num_dims: c.keep, fused_activation: c.act }),
        );
        const want = tfData(() => {
          const y = tf.matMul(tf.tensor2d(x, [numel(shape) / c.k, c.k]), tf.tensor2d(w, [c.out, c.k]), false, true);
          return tfActivation(c.bias ? tf.add(y, tf.tensor1d(b)) : y, c.act);
        });
        expectClose(got, want, `fully_connected ${JSON.stringify(c)}`);
      }),
      opts,
    );
  });

  for (const kind of ['max_pool_2d', 'average_pool_2d'] as const) {
    it(`${kind}: SAME (in-bounds taps only) and VALID, strides, fused activations`, () => {
      fc.assert(
        fc.property(fc.record({ ...windowCase, c: fc.integer({ min: 1, max: 3 }) }), (c) => {
          const shape = [c.n, spatial(c.kh, 1, c.extraH, c.padding), spatial(c.kw, 1, c.extraW, c.padding), c.c];
          const x = randomData(numel(shape), c.seed);
          const attrs = { padding: c.padding, filter_h: c.kh, filter_w: c.kw, stride_h: c.sh, stride_w: c.sw, fused_activation: c.act };
          const got = ours([shape], [x], (g, [xv]) => g.add(kind, [xv], attrs));
          const want = tfData(() => {
            const xt = tf.tensor4d(x, shape as [number, number, number, number]);
            const y = kind === 'max_pool_2d' ? tf.maxPool(xt, [c.kh, c.kw], [c.sh, c.sw], c.padding) : tf.avgPool(xt, [c.kh, c.kw], [c.sh, c.sw], c.padding);
            return tfActivation(y, c.act);
          });
          expectClose(got, want, `${kind} ${JSON.stringify(c)}`);
        }),
        opts,
      );
    });
  }

  const shapeArb = (maxRank: number, maxDim: number) => fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 1, maxLength: maxRank });

  it('mean: any non-empty set of axes (negative too), keep_dims', () => {
    const meanCase = shapeArb(4, 5).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        axes: fc.shuffledSubarray([...shape.keys()], { minLength: 1 }),
        negate: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
        keep: fc.boolean(),
        seed: dataSeed,
      }),
    );
    fc.assert(
      fc.property(meanCase, (c) => {
        const x = randomData(numel(c.shape), c.seed);
        const axes = c.axes.map((a) => (c.negate[a] ? a - c.shape.length : a));
        const got = ours([c.shape], [x], (g, [xv]) => g.add('mean', [xv], { axes, keep_dims: c.keep }));
        const want = tfData(() => tf.mean(tf.tensor(x, c.shape), c.axes, c.keep));
        expectClose(got, want, `mean ${JSON.stringify(c)}`);
      }),
      opts,
    );
  });

  it('softmax: last axis, beta', () => {
    const smCase = fc.record({ shape: shapeArb(4, 6), beta: fc.constantFrom(1, 0.5, 2, 0.1, 3.7), seed: dataSeed });
    fc.assert(
      fc.property(smCase, (c) => {
        const x = randomData(numel(c.shape), c.seed, 4);
        const got = ours([c.shape], [x], (g, [xv]) => g.add('softmax', [xv], { beta: c.beta }));
        const want = tfData(() => tf.softmax(tf.mul(tf.tensor(x, c.shape), c.beta)));
        expectClose(got, want, `softmax ${JSON.stringify(c)}`);
      }),
      opts,
    );
  });

  it('resize_nearest_neighbor: align_corners and half_pixel_centers (the combinations tfjs accepts)', () => {
    const rsCase = fc.record({
      n: fc.integer({ min: 1, max: 2 }),
      h: fc.integer({ min: 1, max: 8 }),
      w: fc.integer({ min: 1, max: 8 }),
      c: fc.integer({ min: 1, max: 3 }),
      oh: fc.integer({ min: 1, max: 16 }),
      ow: fc.integer({ min: 1, max: 16 }),
      mode: fc.constantFrom<[boolean, boolean]>([false, false], [true, false], [false, true]),
      seed: dataSeed,
    });
    fc.assert(
      fc.property(rsCase, (c) => {
        const shape = [c.n, c.h, c.w, c.c];
        const [ac, hp] = c.mode;
        const x = randomData(numel(shape), c.seed);
        const got = ours([shape], [x], (g, [xv]) => g.add('resize_nearest_neighbor', [xv], { size: [c.oh, c.ow], align_corners: ac, half_pixel_centers: hp }));
        const want = tfData(() => tf.image.resizeNearestNeighbor(tf.tensor4d(x, shape as [number, number, number, number]), [c.oh, c.ow], ac, hp));
        expectClose(got, want, `resize_nearest_neighbor ${JSON.stringify(c)}`);
      }),
      opts,
    );
  });

  it('concatenation: 1 to 4 inputs along any axis (negative too), fused activations', () => {
    const ccCase = shapeArb(4, 4).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        axis: fc.integer({ min: 0, max: shape.length - 1 }),
        negative: fc.boolean(),
        sizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
        act,
        seed: dataSeed,
      }),
    );
    fc.assert(
      fc.property(ccCase, (c) => {
        const shapes = c.sizes.map((s) => c.shape.map((d, i) => (i === c.axis ? s : d)));
        const xs = shapes.map((s, i) => randomData(numel(s), c.seed + i, 2));
        const axis = c.negative ? c.axis - c.shape.length : c.axis;
        const got = ours(shapes, xs, (g, vs) => g.add('concatenation', vs, { axis, fused_activation: c.act }));
        const want = tfData(() => tfActivation(tf.concat(xs.map((x, i) => tf.tensor(x, shapes[i])), c.axis), c.act));
        expectClose(got, want, `concatenation ${JSON.stringify(c)}`);
      }),
      opts,
    );
  });

  it('pad: zero padding before and after every dimension', () => {
    const padCase = shapeArb(4, 4).chain((shape) =>
      fc.record({ shape: fc.constant(shape), pads: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 2 * shape.length, maxLength: 2 * shape.length }), seed: dataSeed }),
    );
    fc.assert(
      fc.property(padCase, (c) => {
        const x = randomData(numel(c.shape), c.seed);
        const got = ours([c.shape], [x], (g, [xv]) => g.add('pad', [xv], { paddings: c.pads }));
        const want = tfData(() => tf.pad(tf.tensor(x, c.shape), c.shape.map((_, i) => [c.pads[2 * i], c.pads[2 * i + 1]] as [number, number])));
        expectClose(got, want, `pad ${JSON.stringify(c)}`);
      }),
      opts,
    );
  });

  it('transpose: any permutation up to rank 5', () => {
    const trCase = shapeArb(5, 4).chain((shape) =>
      fc.record({ shape: fc.constant(shape), perm: fc.shuffledSubarray([...shape.keys()], { minLength: shape.length, maxLength: shape.length }), seed: dataSeed }),
    );
    fc.assert(
      fc.property(trCase, (c) => {
        const x = randomData(numel(c.shape), c.seed);
        const got = ours([c.shape], [x], (g, [xv]) => g.add('transpose', [xv], { perm: c.perm }));
        const want = tfData(() => tf.transpose(tf.tensor(x, c.shape), c.perm));
        expectClose(got, want, `transpose ${JSON.stringify(c)}`);
      }),
      opts,
    );
  });

  for (const kind of ['add', 'sub', 'mul'] as const) {
    it(`${kind}: NumPy broadcasting (either side, lower rank, constant operand), fused activations`, () => {
      const side = fc.record({ drop: fc.integer({ min: 0, max: 3 }), ones: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }) });
      const binCase = fc.record({ shape: shapeArb(4, 4), a: side, b: side, bConst: fc.boolean(), act, seed: dataSeed });
      fc.assert(
        fc.property(binCase, (c) => {
          // each operand: the output shape with some leading dims dropped and some dims set to 1
          const operand = (s: { drop: number; ones: boolean[] }) => c.shape.slice(Math.min(s.drop, c.shape.length - 1)).map((d, i) => (s.ones[i] ? 1 : d));
          const [sa, sb] = [operand(c.a), operand(c.b)];
          const [xa, xb] = [randomData(numel(sa), c.seed, 3), randomData(numel(sb), c.seed + 1, 3)];
          const got = c.bConst
            ? ours([sa], [xa], (g, [av]) => g.add(kind, [av, constant(f32(sb), xb)], { fused_activation: c.act }))
            : ours([sa, sb], [xa, xb], (g, [av, bv]) => g.add(kind, [av, bv], { fused_activation: c.act }));
          const want = tfData(() => {
            const [ta, tb] = [tf.tensor(xa, sa), tf.tensor(xb, sb)];
            return tfActivation(kind === 'add' ? tf.add(ta, tb) : kind === 'sub' ? tf.sub(ta, tb) : tf.mul(ta, tb), c.act);
          });
          expectClose(got, want, `${kind} ${JSON.stringify({ ...c, sa, sb })}`);
        }),
        opts,
      );
    });
  }

  it('relu, relu6, logistic, tanh', () => {
    const unCase = fc.record({ kind: fc.constantFrom('relu', 'relu6', 'logistic', 'tanh' as const), shape: shapeArb(4, 5), seed: dataSeed });
    const oracle = { relu: tf.relu, relu6: tf.relu6, logistic: tf.sigmoid, tanh: tf.tanh } as const;
    fc.assert(
      fc.property(unCase, (c) => {
        const x = randomData(numel(c.shape), c.seed, 8);
        const got = ours([c.shape], [x], (g, [xv]) => g.add(c.kind, [xv], {}));
        const want = tfData(() => oracle[c.kind](tf.tensor(x, c.shape)));
        expectClose(got, want, `${c.kind} ${JSON.stringify(c)}`);
      }),
      opts,
    );
  });

  it('batch_norm over the last axis', () => {
    const bnCase = fc.record({ shape: shapeArb(4, 5), epsilon: fc.constantFrom(1e-3, 1e-5, 0.1), seed: dataSeed });
    fc.assert(
      fc.property(bnCase, (c) => {
        const ch = c.shape[c.shape.length - 1];
        const x = randomData(numel(c.shape), c.seed, 3);
        const [gamma, beta, mean] = [1, 2, 3].map((k) => randomData(ch, c.seed + k, 2));
        const variance = randomData(ch, c.seed + 4).map((v) => Math.abs(v) + 0.01);
        const got = ours([c.shape], [x], (g, [xv]) =>
          g.add('batch_norm', [xv, ...[gamma, beta, mean, variance].map((d) => constant(f32([ch]), d))], { epsilon: c.epsilon }),
        );
        const want = tfData(() => tf.batchNorm(tf.tensor(x, c.shape), tf.tensor1d(mean), tf.tensor1d(variance), tf.tensor1d(beta), tf.tensor1d(gamma), c.epsilon));
        expectClose(got, want, `batch_norm ${JSON.stringify(c)}`);
      }),
      opts,
    );
  });
});
