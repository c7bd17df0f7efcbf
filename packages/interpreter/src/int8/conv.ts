import { numElements, windowOutputSize, windowPadBefore, type AttrsOf, type Op } from '@octet/ir';
import { InterpreterError, opWhere } from '../errors.ts';
import type { KernelContext, KernelRun } from '../kernel.ts';
import { channelScales, perTensor, requireInt8 } from './params.ts';
import { makeRequantize, type RequantizeKind } from './requantize.ts';

/**
 * int8 conv_2d, depthwise_conv_2d and fully_connected: int8 activations (per tensor), int8 weights
 * (symmetric, per output channel or per tensor), int32 bias of scale s_in·s_w[c].
 * acc[c] = bias[c] + Σ w·(x − zp_in), padding taps contributing 0; then the requantization of
 * ARITHMETIC.md for the mode (requantize.ts).
 */

type WeightedKind = 'conv_2d' | 'depthwise_conv_2d' | 'fully_connected';

/**
 * Which requantization LiteRT runs: XNNPACK takes conv/depthwise only with a bias tensor (without
 * one the builtin kernel runs, whose arithmetic is the reference one) and fully_connected always.
 */
function requantizeKind(op: Op<WeightedKind>, ctx: KernelContext): RequantizeKind {
  const hasBias = op.inputs.length > 2;
  if (op.kind === 'fully_connected') return ctx.arithmetic === 'xnnpack' ? 'xnnpack' : 'double';
  return ctx.arithmetic === 'xnnpack' && hasBias ? 'xnnpack' : 'q31';
}

function prepareWeighted(op: Op<WeightedKind>, ctx: KernelContext, channelAxis: number) {
  requireInt8(op, ['int32']);
  const [x, w, bias] = op.inputs;
  if (x.type.dtype !== 'int8' || w.type.dtype !== 'int8' || op.outputs[0].type.dtype !== 'int8' || (bias && bias.type.dtype !== 'int32')) {
    throw new InterpreterError(`${opWhere(op)} takes int8 input and weights, an int32 bias and gives int8: quantize the op consistently (got ${op.inputs.map((v) => v.type.dtype).join(', ')} → ${op.outputs[0].type.dtype})`);
  }
  const inQ = perTensor(op, x, 'input');
  const outQ = perTensor(op, op.outputs[0], 'result');
  const channels = w.type.shape[channelAxis];
  const sW = channelScales(op, w, channelAxis, channels);
  const requantize = makeRequantize(requantizeKind(op, ctx), inQ.scale, sW, outQ, op.attrs.fused_activation);
  return { zpIn: inQ.zeroPoint, channels, requantize, hasBias: bias !== undefined };
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
 * Filter OHWI. Per output pixel, the window (x − zp_in, 0 for padding) is gathered once into
 * `patch` (K = kh·kw·inC), then each output channel is one dot product with its filter row.
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
          for (let o = 0; o < outC; o++) {
            let s = bias === undefined ? 0 : bias[o];
            const wb = o * K;
            for (let k = 0; k < K; k++) s += w[wb + k] * patch[k];
            acc[o] = s;
          }
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
  return (ins, outs) => {
    const x = ins[0] as Int8Array;
    const w = ins[1] as Int8Array;
    const bias = hasBias ? (ins[2] as Int32Array) : undefined;
    const y = outs[0] as Int8Array;
    for (let r = 0; r < rows; r++) {
      const xb = r * K;
      for (let k = 0; k < K; k++) row[k] = x[xb + k] - zpIn;
      for (let o = 0; o < outC; o++) {
        let s = bias === undefined ? 0 : bias[o];
        const wb = o * K;
        for (let k = 0; k < K; k++) s += w[wb + k] * row[k];
        acc[o] = s;
      }
      requantize(acc, y, r * outC);
    }
  };
}
