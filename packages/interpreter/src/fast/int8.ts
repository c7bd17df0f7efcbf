import { isUnsupported, numElements, windowOutputSize, windowPadBefore, type Activation, type Op, type Value } from '@octet/ir';
import { fl, roundHalfEven } from '../int8/arith.ts';
import { int8Kernels } from '../int8/table.ts';
import type { Arithmetic, Kernel, KernelContext, KernelRun, KernelTable } from '../kernel.ts';
import { WasmKernels, type WasmInstance } from './wasm.ts';

/**
 * The fast int8 kernels: conv_2d, depthwise_conv_2d, fully_connected and max_pool_2d in WebAssembly
 * SIMD (assembly/int8.ts, built into wasm/int8.wasm), for what LiteRT delegates to XNNPACK: int8
 * input, constant weights (and bias, if any), `xnnpack` arithmetic, depth multiplier 1. Anything
 * else, and all of `reference` arithmetic, falls back to the reference kernel. quantize between
 * int8 and uint8 flips a bit. The interpreter's default;
 * property tests pin it to the reference kernels byte for byte.
 */

interface Exports {
  conv(...args: number[]): void;
  depthwise(...args: number[]): void;
  maxPool(...args: number[]): void;
  convSmallK(...args: number[]): void;
}

const INT8 = new WasmKernels<Exports>(new URL('../../wasm/int8.wasm', import.meta.url));

const ACTIVATION_INTERVAL: { readonly [A in Activation]: readonly [number, number] } = {
  none: [-Infinity, Infinity],
  relu: [0, Infinity],
  relu6: [0, 6],
  relu_n1_to_1: [-1, 1],
};

/** XNNPACK's bounds of a fused activation (ARITHMETIC.md): lrintf(clamp(fl(fl(bound/s) + zp), −128, 127)). */
function xnnpackBounds(act: Activation, s: number, zp: number): [number, number] {
  const q = (bound: number) => {
    const v = fl(fl(bound / s) + zp);
    return roundHalfEven(v < -128 ? -128 : v > 127 ? 127 : v);
  };
  const [lo, hi] = ACTIVATION_INTERVAL[act];
  return [q(lo), q(hi)];
}

/** The bounds relative to the zero point, as the requantization clamps y before adding it. */
function bounds(act: Activation, s: number, zp: number): [number, number] {
  const [lo, hi] = xnnpackBounds(act, s, zp);
  return [lo - zp, hi - zp];
}

type Weighted = 'conv_2d' | 'depthwise_conv_2d' | 'fully_connected';

/** Scale, zero point and per-channel multipliers of an op that the reference kernel has accepted. */
function params(op: Op<Weighted>, channelAxis: number) {
  const [x, w] = op.inputs;
  const y = op.outputs[0];
  const sIn = fl(x.type.quant!.scale[0]);
  const sOut = fl(y.type.quant!.scale[0]);
  const zpOut = y.type.quant!.zeroPoint[0];
  const q = w.type.quant!;
  const channels = w.type.shape[channelAxis];
  const scale = new Float32Array(channels);
  for (let c = 0; c < channels; c++) scale[c] = fl(fl(sIn * fl(q.scale[q.scale.length > 1 ? c : 0])) / sOut);
  const [lo, hi] = bounds(op.attrs.fused_activation, sOut, zpOut);
  return { zpIn: x.type.quant!.zeroPoint[0], zpOut, scale, lo, hi, channels };
}

/** Whether `op` runs in WebAssembly in `arithmetic` (else the reference kernel runs it). */
export function usesWasm(op: Op<Weighted>, arithmetic: Arithmetic): boolean {
  const [x, w, b] = op.inputs;
  return (
    arithmetic === 'xnnpack' &&
    x.type.dtype === 'int8' &&
    w.data !== undefined &&
    (b === undefined || b.data !== undefined) &&
    (op.kind !== 'depthwise_conv_2d' || (op as Op<'depthwise_conv_2d'>).attrs.depth_multiplier === 1)
  );
}

/** The reference kernel for `op` (it also checks dtypes and parameters, and throws the interpreter's errors). */
function reference<K extends Weighted>(op: Op<K>, ctx: KernelContext): KernelRun {
  const k = int8Kernels[op.kind];
  if (isUnsupported(k)) throw new Error(`no reference int8 kernel for ${op.kind}`);
  return (k as Kernel<K>)(op, ctx);
}

/** Bias (int32, zeros when absent), per-channel scales: copied into the module once. */
function constants(m: WasmInstance<Exports>, bias: Value | undefined, channels: number, scale: Float32Array) {
  // padded with zeros to whole vectors: the kernels load four or eight channels at a time
  const padded = (channels + 7) & ~7;
  const b = new Int32Array(padded);
  if (bias) b.set(bias.data as Int32Array);
  const s = new Float32Array(padded);
  s.set(scale);
  return { b: m.place(b), s: m.place(s) };
}

/** Staging for one input and one output per op: x is copied in, y out, at every run. */
function staging(m: WasmInstance<Exports>, xBytes: number, yBytes: number) {
  const x = m.reserve(xBytes + 16);
  const y = m.reserve(yBytes + 16);
  return { x, y, xs: m.view(x, xBytes, Int8Array), ys: m.view(y, yBytes, Int8Array) };
}

/** Windows up to this size take convSmallK (tap pairs × four channels per step, no horizontal sums). */
const SMALL_K = 32;

/** Filters [outC][K] → [⌈outC/4⌉][⌈K/2⌉ pairs][4 channels][2 taps] int16, zeros past K and outC (convSmallK's layout). */
function pairInterleaved(w: Int8Array, outC: number, K: number): { w4: Int16Array; pairs: number } {
  const pairs = (K + 1) >> 1;
  const groups = (outC + 3) >> 2;
  const w4 = new Int16Array(groups * pairs * 8);
  for (let o = 0; o < outC; o++) {
    for (let k = 0; k < K; k++) w4[(((o >> 2) * pairs + (k >> 1)) * 4 + (o & 3)) * 2 + (k & 1)] = w[o * K + k];
  }
  return { w4, pairs };
}

/** Filters [outC][K] → int16 rows of kpad = K rounded up to 8, zeros past K (conv's layout). */
function widened(w: Int8Array, outC: number, K: number): { w16: Int16Array; kpad: number } {
  const kpad = (K + 7) & ~7;
  const w16 = new Int16Array(outC * kpad);
  for (let o = 0; o < outC; o++) for (let k = 0; k < K; k++) w16[o * kpad + k] = w[o * K + k];
  return { w16, kpad };
}

const conv2d: Kernel<'conv_2d'> = (op, ctx) => {
  const fallback = reference(op, ctx);
  if (!usesWasm(op, ctx.arithmetic)) return fallback;
  const [n, inH, inW, inC] = op.inputs[0].type.shape;
  const [outC, kh, kw] = op.inputs[1].type.shape;
  const a = op.attrs;
  const outH = windowOutputSize(inH, kh, a.stride_h, a.dilation_h, a.padding);
  const outW = windowOutputSize(inW, kw, a.stride_w, a.dilation_w, a.padding);
  const padTop = windowPadBefore(inH, kh, a.stride_h, a.dilation_h, a.padding);
  const padLeft = windowPadBefore(inW, kw, a.stride_w, a.dilation_w, a.padding);
  const geo = [kh, kw, a.stride_h, a.stride_w, a.dilation_h, a.dilation_w, padTop, padLeft, outH, outW];
  const p = params(op, 0);
  const K = kh * kw * inC;
  const w = op.inputs[1].data as Int8Array;
  const m = INT8.instanceOf(ctx);
  const { b, s } = constants(m, op.inputs[2], outC, p.scale);
  const io = staging(m, numElements(op.inputs[0].type.shape), numElements(op.outputs[0].type.shape));
  if (K <= SMALL_K) {
    const { w4, pairs } = pairInterleaved(w, outC, K);
    // the padded int16 image: every window inside it, every input row in it
    const hp = Math.max((outH - 1) * a.stride_h + (kh - 1) * a.dilation_h + 1, padTop + inH);
    const wp = Math.max((outW - 1) * a.stride_w + (kw - 1) * a.dilation_w + 1, padLeft + inW);
    const at = { w: m.place(w4), img: m.reserve(n * hp * wp * inC * 2 + 16), patch: m.reserve(pairs * 4 + 16), scratch: m.reserve(16) };
    const { convSmallK } = m.exports;
    return (ins, outs) => {
      io.xs().set(ins[0] as Int8Array);
      convSmallK(io.x, n, inH, inW, inC, p.zpIn, at.w, pairs, outC, b, s, p.lo, p.hi, p.zpOut, ...geo, at.img, hp, wp, at.patch, at.scratch, io.y);
      (outs[0] as Int8Array).set(io.ys());
    };
  }
  const { w16, kpad } = widened(w, outC, K);
  const at = { w: m.place(w16), patch: m.reserve(kpad * 2) };
  const { conv } = m.exports;
  return (ins, outs) => {
    io.xs().set(ins[0] as Int8Array);
    conv(io.x, n, inH, inW, inC, p.zpIn, at.w, kpad, outC, b, s, p.lo, p.hi, p.zpOut, ...geo, at.patch, io.y);
    (outs[0] as Int8Array).set(io.ys());
  };
};

const fullyConnected: Kernel<'fully_connected'> = (op, ctx) => {
  const fallback = reference(op, ctx);
  if (!usesWasm(op, ctx.arithmetic)) return fallback;
  const [outC, K] = op.inputs[1].type.shape;
  const rows = numElements(op.inputs[0].type.shape) / K;
  const p = params(op, 0);
  const { w16, kpad } = widened(op.inputs[1].data as Int8Array, outC, K);
  const m = INT8.instanceOf(ctx);
  const wAt = m.place(w16);
  const { b, s } = constants(m, op.inputs[2], outC, p.scale);
  const patch = m.reserve(kpad * 2);
  const io = staging(m, rows * K, rows * outC);
  const { conv } = m.exports;
  return (ins, outs) => {
    io.xs().set(ins[0] as Int8Array);
    // rows of K as a 1×1 convolution over `rows` images of one pixel
    conv(io.x, rows, 1, 1, K, p.zpIn, wAt, kpad, outC, b, s, p.lo, p.hi, p.zpOut, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, patch, io.y);
    (outs[0] as Int8Array).set(io.ys());
  };
};

const depthwiseConv2d: Kernel<'depthwise_conv_2d'> = (op, ctx) => {
  const fallback = reference(op, ctx);
  if (!usesWasm(op, ctx.arithmetic)) return fallback;
  const [n, inH, inW, C] = op.inputs[0].type.shape;
  const [, kh, kw] = op.inputs[1].type.shape;
  const a = op.attrs;
  const outH = windowOutputSize(inH, kh, a.stride_h, a.dilation_h, a.padding);
  const outW = windowOutputSize(inW, kw, a.stride_w, a.dilation_w, a.padding);
  const padTop = windowPadBefore(inH, kh, a.stride_h, a.dilation_h, a.padding);
  const padLeft = windowPadBefore(inW, kw, a.stride_w, a.dilation_w, a.padding);
  const p = params(op, 3);
  const w16 = Int16Array.from(op.inputs[1].data as Int8Array);
  const m = INT8.instanceOf(ctx);
  const wAt = m.place(w16);
  const { b, s } = constants(m, op.inputs[2], C, p.scale);
  const io = staging(m, numElements(op.inputs[0].type.shape), numElements(op.outputs[0].type.shape));
  const { depthwise } = m.exports;
  return (ins, outs) => {
    io.xs().set(ins[0] as Int8Array);
    depthwise(io.x, n, inH, inW, C, p.zpIn, wAt, b, s, p.lo, p.hi, p.zpOut, kh, kw, a.stride_h, a.stride_w, a.dilation_h, a.dilation_w, padTop, padLeft, outH, outW, io.y);
    (outs[0] as Int8Array).set(io.ys());
  };
};

/** max_pool_2d in xnnpack mode (XNNPACK's bounds); the reference kernel checks the parameters first. */
const maxPool2d: Kernel<'max_pool_2d'> = (op, ctx) => {
  const ref = (int8Kernels.max_pool_2d as Kernel<'max_pool_2d'>)(op, ctx);
  if (ctx.arithmetic !== 'xnnpack' || op.inputs[0].type.dtype !== 'int8') return ref;
  const [n, inH, inW, C] = op.inputs[0].type.shape;
  const a = op.attrs;
  const q = op.outputs[0].type.quant!;
  const [lo, hi] = xnnpackBounds(a.fused_activation, fl(q.scale[0]), q.zeroPoint[0]);
  const geo = [
    a.filter_h, a.filter_w, a.stride_h, a.stride_w,
    windowPadBefore(inH, a.filter_h, a.stride_h, 1, a.padding), windowPadBefore(inW, a.filter_w, a.stride_w, 1, a.padding),
    windowOutputSize(inH, a.filter_h, a.stride_h, 1, a.padding), windowOutputSize(inW, a.filter_w, a.stride_w, 1, a.padding),
  ];
  const m = INT8.instanceOf(ctx);
  const io = staging(m, numElements(op.inputs[0].type.shape), numElements(op.outputs[0].type.shape));
  const { maxPool } = m.exports;
  return (ins, outs) => {
    io.xs().set(ins[0] as Int8Array);
    maxPool(io.x, n, inH, inW, C, ...geo, lo, hi, io.y);
    (outs[0] as Int8Array).set(io.ys());
  };
};

/**
 * quantize between int8 and uint8 at one scale with zero points 128 apart is `x ^ 0x80` (the
 * reference kernel's own test decides; it runs otherwise): here on byte views of both buffers, so
 * that one loop serves both directions without mixing element types.
 */
const quantize: Kernel<'quantize'> = (op, ctx) => {
  const ref = (int8Kernels.quantize as Kernel<'quantize'>)(op, ctx);
  const [qi, qo] = [op.inputs[0].type.quant, op.outputs[0].type.quant];
  const kinds = `${op.inputs[0].type.dtype}>${op.outputs[0].type.dtype}`;
  const apart = qi && qo ? (kinds === 'uint8>int8' ? qi.zeroPoint[0] - qo.zeroPoint[0] : qo.zeroPoint[0] - qi.zeroPoint[0]) : 0;
  const flip = ctx.arithmetic === 'xnnpack' && (kinds === 'uint8>int8' || kinds === 'int8>uint8') && apart === 128 && fl(qi!.scale[0]) === fl(qo!.scale[0]) && qi!.scale.length === 1 && qo!.scale.length === 1;
  if (!flip) return ref;
  let views: { of: TypedArrayLike; x: Uint8Array; y: Uint8Array; x4: Uint32Array; y4: Uint32Array } | undefined;
  return (ins, outs) => {
    if (views?.of !== ins[0]) views = { of: ins[0], ...flipViews(ins[0], outs[0]) };
    const { x, y, x4, y4 } = views;
    // four bytes per step where both buffers are 4-byte aligned, then byte by byte
    for (let i = 0; i < x4.length; i++) y4[i] = x4[i] ^ 0x80808080;
    for (let i = x4.length * 4; i < x.length; i++) y[i] = x[i] ^ 0x80;
  };
};

type TypedArrayLike = { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };

function flipViews(a: TypedArrayLike, b: TypedArrayLike) {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const words = a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0 ? a.byteLength >> 2 : 0;
  return { x, y, x4: new Uint32Array(a.buffer, a.byteOffset, words), y4: new Uint32Array(b.buffer, b.byteOffset, words) };
}

/** The fast int8 kernels (entries replacing the reference table's). */
export const fastInt8Kernels = {
  conv_2d: conv2d,
  max_pool_2d: maxPool2d,
  quantize,
  depthwise_conv_2d: depthwiseConv2d,
  fully_connected: fullyConnected,
} satisfies Partial<KernelTable>;
