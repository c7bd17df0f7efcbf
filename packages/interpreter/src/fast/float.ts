import { numElements, windowOutputSize, windowPadBefore, type Op } from '@octet/ir';
import { activationRange } from '../float/activation.ts';
import { floatKernels } from '../float/table.ts';
import type { Kernel, KernelContext, KernelRun, KernelTable } from '../kernel.ts';
import { WasmKernels, type WasmInstance } from './wasm.ts';

/**
 * The fast float kernels: conv_2d, depthwise_conv_2d and fully_connected in WebAssembly SIMD
 * (assembly/float.ts, built into wasm/float.wasm), bit for bit what the reference float kernels
 * compute: each sum in order, lanes being different outputs; in float32 for conv_2d and
 * fully_connected (f32x4, as the reference rounds every product and partial sum), in double for
 * depthwise (f64x2). For float32 operands with constant weights; anything else falls back to the
 * reference kernel. The interpreter's default (calibration
 * runs on it); property tests pin it to the reference kernels.
 */

interface Exports {
  convF32(...args: number[]): void;
  depthwise(...args: number[]): void;
}

const FLOAT = new WasmKernels<Exports>(new URL('../../wasm/float.wasm', import.meta.url));

type Weighted = 'conv_2d' | 'depthwise_conv_2d' | 'fully_connected';

/** Whether `op` runs in WebAssembly (else the reference kernel runs it). */
export function usesWasmFloat(op: Op<Weighted>): boolean {
  return op.inputs.every((v) => v.type.dtype === 'float32') && op.outputs[0].type.dtype === 'float32' && op.inputs.slice(1).every((v) => v.data !== undefined) && (op.kind !== 'depthwise_conv_2d' || (op as Op<'depthwise_conv_2d'>).attrs.depth_multiplier === 1);
}

function reference<K extends Weighted>(op: Op<K>, ctx: KernelContext): KernelRun {
  return (floatKernels[op.kind] as Kernel<K>)(op, ctx);
}

/** Filters [outC][K] → k-major [K][outCp] (outCp = outC rounded up to `block`, zeros past outC), and the bias padded alike. */
function transposed(w: Float32Array, bias: Float32Array | undefined, outC: number, K: number, block = 8) {
  const outCp = Math.ceil(outC / block) * block;
  const wT = new Float32Array(K * outCp);
  for (let o = 0; o < outC; o++) for (let k = 0; k < K; k++) wT[k * outCp + o] = w[o * K + k];
  const b = new Float32Array(outCp);
  if (bias) b.set(bias);
  return { wT, b, outCp };
}

/** Staging for one input and one output per op (float32, 16 bytes of slack): copied in and out at every run through cached views. */
function staging(m: WasmInstance<Exports>, xCount: number, yCount: number) {
  const x = m.reserve(xCount * 4 + 16);
  const y = m.reserve(yCount * 4 + 16);
  return { x, y, xs: m.view(x, xCount, Float32Array), ys: m.view(y, yCount, Float32Array) };
}

function windowed(op: Op<'conv_2d' | 'depthwise_conv_2d'>, kh: number, kw: number) {
  const [, inH, inW] = op.inputs[0].type.shape;
  const a = op.attrs;
  return [
    a.stride_h, a.stride_w, a.dilation_h, a.dilation_w,
    windowPadBefore(inH, kh, a.stride_h, a.dilation_h, a.padding), windowPadBefore(inW, kw, a.stride_w, a.dilation_w, a.padding),
    windowOutputSize(inH, kh, a.stride_h, a.dilation_h, a.padding), windowOutputSize(inW, kw, a.stride_w, a.dilation_w, a.padding),
  ];
}

/** conv_2d sums in float32 like the reference (XNNPACK's f32 conv): convF32, sixteen outputs per pass. */
const conv2d: Kernel<'conv_2d'> = (op, ctx) => {
  const fallback = reference(op, ctx);
  if (!usesWasmFloat(op)) return fallback;
  const m = FLOAT.instanceOf(ctx);
  const [n, inH, inW, inC] = op.inputs[0].type.shape;
  const [outC, kh, kw] = op.inputs[1].type.shape;
  const { wT, b, outCp } = transposed(op.inputs[1].data as Float32Array, op.inputs[2]?.data as Float32Array | undefined, outC, kh * kw * inC, 16);
  const [lo, hi] = activationRange(op.attrs.fused_activation);
  const geo = windowed(op, kh, kw);
  const at = { w: m.place(wT), b: m.place(b), patch: m.reserve(kh * kw * inC * 4), scratch: m.reserve(64) };
  const io = staging(m, numElements(op.inputs[0].type.shape), numElements(op.outputs[0].type.shape));
  const { convF32 } = m.exports;
  return (ins, outs) => {
    io.xs().set(ins[0] as Float32Array);
    convF32(io.x, n, inH, inW, inC, at.w, outC, outCp, at.b, lo, hi, kh, kw, ...geo, at.patch, at.scratch, io.y);
    (outs[0] as Float32Array).set(io.ys());
  };
};

/** fully_connected: rows of K as 1×1 convolutions of one pixel, summed in float32 like conv_2d. */
const fullyConnected: Kernel<'fully_connected'> = (op, ctx) => {
  const fallback = reference(op, ctx);
  if (!usesWasmFloat(op)) return fallback;
  const m = FLOAT.instanceOf(ctx);
  const [outC, K] = op.inputs[1].type.shape;
  const rows = numElements(op.inputs[0].type.shape) / K;
  const { wT, b, outCp } = transposed(op.inputs[1].data as Float32Array, op.inputs[2]?.data as Float32Array | undefined, outC, K, 16);
  const [lo, hi] = activationRange(op.attrs.fused_activation);
  const at = { w: m.place(wT), b: m.place(b), patch: m.reserve(K * 4), scratch: m.reserve(64) };
  const io = staging(m, rows * K, rows * outC);
  const { convF32 } = m.exports;
  return (ins, outs) => {
    io.xs().set(ins[0] as Float32Array);
    convF32(io.x, rows, 1, 1, K, at.w, outC, outCp, at.b, lo, hi, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, at.patch, at.scratch, io.y);
    (outs[0] as Float32Array).set(io.ys());
  };
};

const depthwiseConv2d: Kernel<'depthwise_conv_2d'> = (op, ctx) => {
  const fallback = reference(op, ctx);
  if (!usesWasmFloat(op)) return fallback;
  const m = FLOAT.instanceOf(ctx);
  const [n, inH, inW, C] = op.inputs[0].type.shape;
  const [, kh, kw] = op.inputs[1].type.shape;
  const bias = new Float32Array(C + 8);
  if (op.inputs[2]) bias.set(op.inputs[2].data as Float32Array);
  const [lo, hi] = activationRange(op.attrs.fused_activation);
  const geo = windowed(op, kh, kw);
  const at = { w: m.place(op.inputs[1].data as Float32Array), b: m.place(bias) };
  const io = staging(m, numElements(op.inputs[0].type.shape), numElements(op.outputs[0].type.shape));
  const { depthwise } = m.exports;
  return (ins, outs) => {
    io.xs().set(ins[0] as Float32Array);
    depthwise(io.x, n, inH, inW, C, at.w, at.b, lo, hi, kh, kw, ...geo, io.y);
    (outs[0] as Float32Array).set(io.ys());
  };
};

/** The fast float kernels (entries replacing the reference table's). */
export const fastFloatKernels = {
  conv_2d: conv2d,
  depthwise_conv_2d: depthwiseConv2d,
  fully_connected: fullyConnected,
} satisfies Partial<KernelTable>;
