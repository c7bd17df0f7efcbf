import { numElements, windowOutputSize, windowPadBefore, type AttrsOf, type Op, type Value } from '@octet/ir';
import { InterpreterError, opWhere } from '../errors.ts';
import type { KernelContext, KernelRun } from '../kernel.ts';
import { fl } from './arith.ts';
import { channelScales, perTensor } from './params.ts';
import { makeRequantize, type RequantizeKind } from './requantize.ts';

/**
 * int8 conv_2d, depthwise_conv_2d and fully_connected: int8 activations (per tensor), int8 weights
 * (symmetric, per output channel or per tensor), int32 bias of scale s_in·s_w[c].
 * acc[c] = bias[c] + Σ w·(x − zp_in), padding taps contributing 0; then the requantization of
 * ARITHMETIC.md for the mode (requantize.ts).
 */

type WeightedKind = 'conv_2d' | 'depthwise_conv_2d' | 'fully_connected';

/**
 * Which requantization runs: LiteRT's XNNPACK delegate takes all three ops (with or without a
 * bias tensor, checked against LiteRT); TFLite's reference kernels use a Q31 multiplier for the
 * convolutions and a double one for fully_connected.
 */
function requantizeKind(op: Op<WeightedKind>, ctx: KernelContext): RequantizeKind {
  if (ctx.arithmetic === 'xnnpack') return 'xnnpack';
  return op.kind === 'fully_connected' ? 'double' : 'q31';
}

function prepareWeighted(op: Op<WeightedKind>, ctx: KernelContext, channelAxis: number) {
  const [x, w, bias] = op.inputs;
  if (x.type.dtype !== 'int8' || w.type.dtype !== 'int8' || op.outputs[0].type.dtype !== 'int8' || (bias && bias.type.dtype !== 'int32')) {
    throw new InterpreterError(`${opWhere(op)} takes int8 input and weights, an int32 bias and gives int8: quantize the op consistently (got ${op.inputs.map((v) => v.type.dtype).join(', ')} → ${op.outputs[0].type.dtype})`);
  }
  const inQ = perTensor(op, x, 'input');
  const outQ = perTensor(op, op.outputs[0], 'result');
  const channels = w.type.shape[channelAxis];
  const sW = channelScales(op, w, channelAxis, channels);
  const kind = requantizeKind(op, ctx);
  if (kind === 'xnnpack') checkXnnpackScales(op, inQ.scale, sW, outQ.scale);
  const requantize = makeRequantize(kind, inQ.scale, sW, outQ, op.attrs.fused_activation);
  return { zpIn: inQ.zeroPoint, channels, requantize, hasBias: bias !== undefined };
}

/**
 * XNNPACK refuses a requantization scale fl(fl(s_in·s_w[c])/s_out) of 256 or more: LiteRT then
 * fails to create its runtime and the model does not load. There is no result to reproduce.
 */
function checkXnnpackScales(op: Op, sIn: number, sW: Float64Array, sOut: number): void {
  for (let c = 0; c < sW.length; c++) {
    const s = fl(fl(sIn * sW[c]) / sOut);
    if (!(s < 256)) {
      throw new InterpreterError(
        `${opWhere(op)} channel ${c} has requantization scale s_in·s_w/s_out = ${s} ≥ 256, which XNNPACK (LiteRT's default) refuses, failing the model: widen the output range, or run with arithmetic 'reference'`,
      );
    }
  }
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
 * Weights [O, K] packed for the blocked dot products: groups of 4 output channels, each group
 * [K][4] (channels past O are zeros), as Int32Array. Constant weights are packed once in prepare;
 * weights computed at run time are repacked into the same buffer at each invoke.
 */
function packer(w: Value, outC: number, K: number): (data: Int8Array) => Int32Array {
  const groups = Math.ceil(outC / 4);
  const packed = new Int32Array(groups * K * 4);
  const pack = (data: Int8Array) => {
    for (let o = 0; o < outC; o++) {
      const g = o >> 2;
      const lane = o & 3;
      for (let k = 0; k < K; k++) packed[(g * K + k) * 4 + lane] = data[o * K + k];
    }
    return packed;
  };
  if (w.data) {
    pack(w.data as Int8Array);
    return () => packed;
  }
  return pack;
}

/**
 * acc[o] = bias[o] + Σ_k packed(o, k)·v[k] for every output channel, four channels per pass over
 * v (four accumulators in registers, one load of v[k] for four products).
 */
function blockedDots(v: Int32Array, K: number, packed: Int32Array, outC: number, bias: Int32Array | undefined, acc: Int32Array): void {
  for (let o = 0; o < outC; o += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let wb = o * K;
    for (let k = 0; k < K; k++, wb += 4) {
      const x = v[k];
      s0 += x * packed[wb];
      s1 += x * packed[wb + 1];
      s2 += x * packed[wb + 2];
      s3 += x * packed[wb + 3];
    }
    if (bias !== undefined) {
      acc[o] = s0 + bias[o];
      if (o + 1 < outC) acc[o + 1] = s1 + bias[o + 1];
      if (o + 2 < outC) acc[o + 2] = s2 + bias[o + 2];
      if (o + 3 < outC) acc[o + 3] = s3 + bias[o + 3];
    } else {
      acc[o] = s0;
      if (o + 1 < outC) acc[o + 1] = s1;
      if (o + 2 < outC) acc[o + 2] = s2;
      if (o + 3 < outC) acc[o + 3] = s3;
    }
  }
}

/**
 * Filter OHWI. Per output pixel, the window (x − zp_in, 0 for padding) is gathered once into
 * `patch` (K = kh·kw·inC), then every output channel is a dot product with its filter row.
 */
export function conv2dInt8(op: Op<'conv_2d'>, ctx: KernelContext): KernelRun {
  const { zpIn, channels: outC, requantize, hasBias } = prepareWeighted(op, ctx, 0);
  const [n, inH, inW, inC] = op.inputs[0].type.shape;
  const [, kh, kw] = op.inputs[1].type.shape;
  const a = op.attrs;
  const { stride_h: sh, stride_w: sw, dilation_h: dh, dilation_w: dw } = a;
  const { outH, outW, padTop, padLeft } = geometry(inH, inW, kh, kw, a);
  const K = kh * kw * inC;
  const rowLen = kw * inC;
  const patch = new Int32Array(K);
  const acc = new Int32Array(outC);
  const pack = packer(op.inputs[1], outC, K);
  return (ins, outs) => {
    const x = ins[0] as Int8Array;
    const packed = pack(ins[1] as Int8Array);
    const bias = hasBias ? (ins[2] as Int32Array) : undefined;
    const y = outs[0] as Int8Array;
    let yi = 0;
    for (let b = 0; b < n; b++) {
      const xb = b * inH * inW * inC;
      for (let oy = 0; oy < outH; oy++) {
        const iy0 = oy * sh - padTop;
        for (let ox = 0; ox < outW; ox++) {
          const ix0 = ox * sw - padLeft;
          let p = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = iy0 + ky * dh;
            if (iy < 0 || iy >= inH) {
              patch.fill(0, p, p + rowLen);
              p += rowLen;
              continue;
            }
            const xr = xb + iy * inW * inC;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ix0 + kx * dw;
              if (ix < 0 || ix >= inW) {
                patch.fill(0, p, p + inC);
                p += inC;
                continue;
              }
              const base = xr + ix * inC;
              for (let i = 0; i < inC; i++) patch[p++] = x[base + i] - zpIn;
            }
          }
          blockedDots(patch, K, packed, outC, bias, acc);
          requantize(acc, y, yi);
          yi += outC;
        }
      }
    }
  };
}

/** Filter [1, H, W, C·M]: output channel o reads input channel ⌊o/M⌋. Taps outside the input are skipped (they add 0). */
export function depthwiseConv2dInt8(op: Op<'depthwise_conv_2d'>, ctx: KernelContext): KernelRun {
  const { zpIn, channels: outC, requantize, hasBias } = prepareWeighted(op, ctx, 3);
  const [n, inH, inW, inC] = op.inputs[0].type.shape;
  const [, kh, kw] = op.inputs[1].type.shape;
  const a = op.attrs;
  const m = a.depth_multiplier;
  const { stride_h: sh, stride_w: sw, dilation_h: dh, dilation_w: dw } = a;
  const { outH, outW, padTop, padLeft } = geometry(inH, inW, kh, kw, a);
  const acc = new Int32Array(outC);
  const source = Int32Array.from({ length: outC }, (_, o) => Math.floor(o / m));
  return (ins, outs) => {
    const x = ins[0] as Int8Array;
    const w = ins[1] as Int8Array;
    const bias = hasBias ? (ins[2] as Int32Array) : undefined;
    const y = outs[0] as Int8Array;
    let yi = 0;
    for (let b = 0; b < n; b++) {
      const xb = b * inH * inW * inC;
      for (let oy = 0; oy < outH; oy++) {
        const iy0 = oy * sh - padTop;
        for (let ox = 0; ox < outW; ox++) {
          const ix0 = ox * sw - padLeft;
          if (bias === undefined) acc.fill(0);
          else acc.set(bias);
          for (let ky = 0; ky < kh; ky++) {
            const iy = iy0 + ky * dh;
            if (iy < 0 || iy >= inH) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ix0 + kx * dw;
              if (ix < 0 || ix >= inW) continue;
              const base = xb + (iy * inW + ix) * inC;
              const wb = (ky * kw + kx) * outC;
              if (m === 1) {
                for (let o = 0; o < outC; o++) acc[o] += (x[base + o] - zpIn) * w[wb + o];
              } else {
                for (let o = 0; o < outC; o++) acc[o] += (x[base + source[o]] - zpIn) * w[wb + o];
              }
            }
          }
          requantize(acc, y, yi);
          yi += outC;
        }
      }
    }
  };
}

/** Weights [O, K]; the input is read as rows of K. Each row has zp_in subtracted once, then one dot product per output. */
export function fullyConnectedInt8(op: Op<'fully_connected'>, ctx: KernelContext): KernelRun {
  const { zpIn, channels: outC, requantize, hasBias } = prepareWeighted(op, ctx, 0);
  const K = op.inputs[1].type.shape[1];
  const rows = numElements(op.inputs[0].type.shape) / K;
  const row = new Int32Array(K);
  const acc = new Int32Array(outC);
  const pack = packer(op.inputs[1], outC, K);
  return (ins, outs) => {
    const x = ins[0] as Int8Array;
    const packed = pack(ins[1] as Int8Array);
    const bias = hasBias ? (ins[2] as Int32Array) : undefined;
    const y = outs[0] as Int8Array;
    for (let r = 0; r < rows; r++) {
      const xb = r * K;
      for (let k = 0; k < K; k++) row[k] = x[xb + k] - zpIn;
      blockedDots(row, K, packed, outC, bias, acc);
      requantize(acc, y, r * outC);
    }
  };
}
