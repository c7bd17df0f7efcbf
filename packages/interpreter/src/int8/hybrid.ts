import { numElements, windowOutputSize, windowPadBefore, type AttrsOf, type Op } from '@octet/ir';
import { InterpreterError, opWhere } from '../errors.ts';
import { activationRange } from '../float/activation.ts';
import type { KernelContext, KernelRun } from '../kernel.ts';
import { fl, roundHalfAway, roundHalfEven } from './arith.ts';
import { channelScales } from './params.ts';

/**
 * Hybrid (dynamic-range) conv_2d, depthwise_conv_2d and fully_connected: float32 input, int8
 * weights (symmetric, per output channel), float32 bias and output, as TensorFlow's converter
 * writes them with `optimizations=[DEFAULT]` and no dataset. The input is quantized to int8 at run
 * time, once per group (a row of K for fully_connected, an image for the convs), then
 * acc[c] = Σ w·(q − zp) over in-bounds taps (padding adds nothing), and
 * y = fl(fl(fl(acc)·scale)·s_w[c]) + bias[c] in float32, clamped by the fused activation.
 * Two input quantizers exist, and LiteRT (pinned byte for byte) uses both:
 * - `qd8` (XNNPACK's f32→qd8 convert; LiteRT's delegate takes fully_connected and conv_2d, and
 *   quantizes a 1×1 stride-1 conv_2d per pixel, as the GEMM it is):
 *   rmin = min(0, min x), rmax = max(0, max x), inv = fl(255/fl(rmax − rmin)) (1 when equal),
 *   zp = rint(clamp(−128 − rmin·inv or 127 − rmax·inv, whichever has the smaller error)),
 *   q = clamp(even(fl(x·inv)) + zp), scale = fl(1/inv).
 * - `tflite` (TFLite's AsymmetricQuantizeFloats, in double; LiteRT runs depthwise_conv_2d on the
 *   builtin hybrid kernel): scale = fl((rmax − rmin)/255), zp = away(−128 − rmin/scale or
 *   127 − rmax/scale by the smaller error), q = clamp(away(fl(zp + fl(x·fl(1/scale))))).
 * Reference mode quantizes all three with `tflite` (TFLite's builtin hybrid kernels with the
 * converter's asymmetric_quantize_inputs): that mode is not pinned against a runtime.
 */

type WeightedKind = 'conv_2d' | 'depthwise_conv_2d' | 'fully_connected';

interface Group {
  zp: number;
  scale: number;
}

// Adding 1.5·2^23 in float32 rounds |y| < 2^22 to an integer, ties to even.
const MAGIC = 12582912;

/** XNNPACK's f32→qd8 convert of x[start, end) into q[start, end); returns the group's zero point and scale. */
function quantizeGroup(x: Float32Array, q: Int8Array, start: number, end: number): Group {
  let min = Infinity;
  let max = -Infinity;
  for (let i = start; i < end; i++) {
    const v = x[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const rmin = Math.min(0, min);
  const rmax = Math.max(0, max);
  const inv = rmin === rmax ? 1 : fl(255 / fl(rmax - rmin));
  const rminScaled = fl(rmin * inv);
  const rmaxScaled = fl(rmax * inv);
  const fromMin = fl(-128 + rminScaled);
  const fromMax = fl(127 + rmaxScaled);
  let zpf = fl(fromMin + fromMax) > 0 ? fl(-128 - rminScaled) : fl(127 - rmaxScaled);
  zpf = zpf < -128 ? -128 : zpf > 127 ? 127 : zpf;
  const zp = roundHalfEven(zpf);
  const lo = -128 - zp;
  const hi = 127 - zp;
  for (let i = start; i < end; i++) {
    let v = fl(x[i] * inv);
    v = v < lo ? lo : v > hi ? hi : v;
    q[i] = fl(v + MAGIC) - MAGIC + zp;
  }
  return { zp, scale: fl(1 / inv) };
}

/** TFLite's AsymmetricQuantizeFloats of x[start, end) into q[start, end) (double arithmetic for the parameters). */
function quantizeGroupTflite(x: Float32Array, q: Int8Array, start: number, end: number): Group {
  let min = Infinity;
  let max = -Infinity;
  for (let i = start; i < end; i++) {
    const v = x[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const rmin = Math.min(0, min);
  const rmax = Math.max(0, max);
  if (rmin === rmax) {
    q.fill(0, start, end);
    return { zp: 0, scale: 1 };
  }
  const scaleD = (rmax - rmin) / 255;
  const fromMinError = 128 + Math.abs(rmin / scaleD);
  const fromMaxError = 127 + Math.abs(rmax / scaleD);
  const zpD = fromMinError < fromMaxError ? -128 - rmin / scaleD : 127 - rmax / scaleD;
  const zp = zpD <= -128 ? -128 : zpD >= 127 ? 127 : roundHalfAway(zpD);
  const scale = fl(scaleD);
  const inv = fl(1 / scale);
  for (let i = start; i < end; i++) {
    const v = roundHalfAway(fl(zp + fl(x[i] * inv)));
    q[i] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
  return { zp, scale };
}

type Quantizer = typeof quantizeGroup;

function prepareHybrid(op: Op<WeightedKind>, channelAxis: number) {
  const [x, w, bias] = op.inputs;
  const y = op.outputs[0];
  if (x.type.dtype !== 'float32' || w.type.dtype !== 'int8' || y.type.dtype !== 'float32' || (bias && bias.type.dtype !== 'float32')) {
    throw new InterpreterError(
      `${opWhere(op)} is hybrid (float32 input, int8 weights) but has ${op.inputs.map((v) => v.type.dtype).join(', ')} → ${y.type.dtype}: give it a float32 bias and result`,
    );
  }
  const channels = w.type.shape[channelAxis];
  const sW = channelScales(op, w, channelAxis, channels);
  const [lo, hi] = activationRange(op.attrs.fused_activation);
  const acc = new Int32Array(channels);
  const q = new Int8Array(numElements(x.type.shape));
  const hasBias = bias !== undefined;
  /** y[offset + c] = act(fl(fl(fl(acc)·scale)·s_w[c]) + bias[c]). */
  const epilogue = (scale: number, b: Float32Array | undefined, out: Float32Array, offset: number) => {
    for (let c = 0; c < channels; c++) {
      let v = fl(fl(fl(acc[c]) * scale) * sW[c]);
      if (b !== undefined) v = fl(v + b[c]);
      out[offset + c] = v < lo ? lo : v > hi ? hi : v;
    }
  };
  return { channels, acc, q, hasBias, epilogue };
}

function geometry(inH: number, inW: number, kh: number, kw: number, a: AttrsOf<'conv_2d'>) {
  return {
    outH: windowOutputSize(inH, kh, a.stride_h, a.dilation_h, a.padding),
    outW: windowOutputSize(inW, kw, a.stride_w, a.dilation_w, a.padding),
    padTop: windowPadBefore(inH, kh, a.stride_h, a.dilation_h, a.padding),
    padLeft: windowPadBefore(inW, kw, a.stride_w, a.dilation_w, a.padding),
  };
}

/**
 * Rows of K: each row quantized on its own, then one dot product per output channel (weights
 * [O, K]). fully_connected, and the pointwise conv_2d XNNPACK runs as a GEMM over pixels.
 */
function rowsHybrid(op: Op<WeightedKind>, quantize: Quantizer, rows: number, K: number): KernelRun {
  const { channels: outC, acc, q, hasBias, epilogue } = prepareHybrid(op, 0);
  return (ins, outs) => {
    const x = ins[0] as Float32Array;
    const w = ins[1] as Int8Array;
    const bias = hasBias ? (ins[2] as Float32Array) : undefined;
    const y = outs[0] as Float32Array;
    for (let r = 0; r < rows; r++) {
      const xb = r * K;
      const { zp, scale } = quantize(x, q, xb, xb + K);
      for (let o = 0; o < outC; o++) {
        let s = 0;
        const wb = o * K;
        for (let k = 0; k < K; k++) s += w[wb + k] * (q[xb + k] - zp);
        acc[o] = s;
      }
      epilogue(scale, bias, y, r * outC);
    }
  };
}

export function fullyConnectedHybrid(op: Op<'fully_connected'>, ctx: KernelContext): KernelRun {
  const quantize: Quantizer = ctx.arithmetic === 'xnnpack' ? quantizeGroup : quantizeGroupTflite;
  const K = op.inputs[1].type.shape[1];
  return rowsHybrid(op, quantize, numElements(op.inputs[0].type.shape) / K, K);
}

/**
 * In xnnpack mode a 1×1, stride-1 conv_2d is a GEMM over pixels for XNNPACK, which then quantizes
 * the input per pixel (checked against LiteRT); every other conv quantizes per image.
 */
export function conv2dHybrid(op: Op<'conv_2d'>, ctx: KernelContext): KernelRun {
  const quantize: Quantizer = ctx.arithmetic === 'xnnpack' ? quantizeGroup : quantizeGroupTflite;
  const [, kh0, kw0, inC0] = op.inputs[1].type.shape;
  if (ctx.arithmetic === 'xnnpack' && kh0 === 1 && kw0 === 1 && op.attrs.stride_h === 1 && op.attrs.stride_w === 1) {
    return rowsHybrid(op, quantize, numElements(op.inputs[0].type.shape) / inC0, inC0);
  }
  const { channels: outC, acc, q, hasBias, epilogue } = prepareHybrid(op, 0);
  const [n, inH, inW, inC] = op.inputs[0].type.shape;
  const [, kh, kw] = op.inputs[1].type.shape;
  const a = op.attrs;
  const { outH, outW, padTop, padLeft } = geometry(inH, inW, kh, kw, a);
  const K = kh * kw * inC;
  const patch = new Int32Array(K);
  const image = inH * inW * inC;
  return (ins, outs) => {
    const x = ins[0] as Float32Array;
    const w = ins[1] as Int8Array;
    const bias = hasBias ? (ins[2] as Float32Array) : undefined;
    const y = outs[0] as Float32Array;
    let yi = 0;
    for (let b = 0; b < n; b++) {
      const xb = b * image;
      const { zp, scale } = quantize(x, q, xb, xb + image);
      for (let oy = 0; oy < outH; oy++) {
        const iy0 = oy * a.stride_h - padTop;
        for (let ox = 0; ox < outW; ox++) {
          const ix0 = ox * a.stride_w - padLeft;
          let p = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = iy0 + ky * a.dilation_h;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ix0 + kx * a.dilation_w;
              if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) {
                patch.fill(0, p, p + inC);
                p += inC;
                continue;
              }
              const base = xb + (iy * inW + ix) * inC;
              for (let i = 0; i < inC; i++) patch[p++] = q[base + i] - zp;
            }
          }
          for (let o = 0; o < outC; o++) {
            let s = 0;
            const wb = o * K;
            for (let k = 0; k < K; k++) s += w[wb + k] * patch[k];
            acc[o] = s;
          }
          epilogue(scale, bias, y, yi);
          yi += outC;
        }
      }
    }
  };
}

export function depthwiseConv2dHybrid(op: Op<'depthwise_conv_2d'>): KernelRun {
  const quantize: Quantizer = quantizeGroupTflite;
  const { channels: outC, acc, q, hasBias, epilogue } = prepareHybrid(op, 3);
  const [n, inH, inW, inC] = op.inputs[0].type.shape;
  const [, kh, kw] = op.inputs[1].type.shape;
  const a = op.attrs;
  const m = a.depth_multiplier;
  const { outH, outW, padTop, padLeft } = geometry(inH, inW, kh, kw, a);
  const image = inH * inW * inC;
  return (ins, outs) => {
    const x = ins[0] as Float32Array;
    const w = ins[1] as Int8Array;
    const bias = hasBias ? (ins[2] as Float32Array) : undefined;
    const y = outs[0] as Float32Array;
    let yi = 0;
    for (let b = 0; b < n; b++) {
      const xb = b * image;
      const { zp, scale } = quantize(x, q, xb, xb + image);
      for (let oy = 0; oy < outH; oy++) {
        const iy0 = oy * a.stride_h - padTop;
        for (let ox = 0; ox < outW; ox++) {
          const ix0 = ox * a.stride_w - padLeft;
          acc.fill(0);
          for (let ky = 0; ky < kh; ky++) {
            const iy = iy0 + ky * a.dilation_h;
            if (iy < 0 || iy >= inH) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ix0 + kx * a.dilation_w;
              if (ix < 0 || ix >= inW) continue;
              const base = xb + (iy * inW + ix) * inC;
              const wb = (ky * kw + kx) * outC;
              for (let o = 0; o < outC; o++) acc[o] += (q[base + Math.floor(o / m)] - zp) * w[wb + o];
            }
          }
          epilogue(scale, bias, y, yi);
          yi += outC;
        }
      }
    }
  };
}
