import { windowOutputSize, windowPadBefore, type AttrsOf } from '@octet/ir';
import type { Kernel } from '../kernel.ts';
import { activationRange, clampTo } from './activation.ts';
import { floatOnly } from './float-only.ts';

/** The window geometry of a conv along H and W: TFLite's padding split, strides, dilations. */
function geometry(inH: number, inW: number, kh: number, kw: number, a: AttrsOf<'conv_2d'>) {
  return {
    outH: windowOutputSize(inH, kh, a.stride_h, a.dilation_h, a.padding),
    outW: windowOutputSize(inW, kw, a.stride_w, a.dilation_w, a.padding),
    padTop: windowPadBefore(inH, kh, a.stride_h, a.dilation_h, a.padding),
    padLeft: windowPadBefore(inW, kw, a.stride_w, a.dilation_w, a.padding),
  };
}

/**
 * y[yAt + o] = clamp(bias[o] + Σ_{k<K} src[at + k] · w[o·K + k]) for every o < outC: one input row
 * against every filter row. Each sum runs in order over k, like the textbook loop; the filters go
 * four at a time so that each input value loaded serves four sums (3× faster in V8).
 * Every product and every partial sum is rounded to float32, as XNNPACK's f32 GEMM computes on
 * wasm (no FMA): a hybrid op after a float op re-quantizes its input, so LiteRT's exact float32
 * values matter there (the dynamic-range MNIST model differed by 5e-4 × max|output| with sums in
 * double, and is identical to LiteRT with these).
 */
function rowTimesFilters(
  src: Float32Array, at: number, w: Float32Array, K: number, outC: number,
  bias: Float32Array, y: Float32Array, yAt: number, lo: number, hi: number,
): void {
  const r = Math.fround;
  let o = 0;
  for (; o + 4 <= outC; o += 4) {
    const w0 = o * K;
    const w1 = w0 + K;
    const w2 = w1 + K;
    const w3 = w2 + K;
    let s0 = bias[o];
    let s1 = bias[o + 1];
    let s2 = bias[o + 2];
    let s3 = bias[o + 3];
    for (let k = 0; k < K; k++) {
      const v = src[at + k];
      s0 = r(s0 + r(v * w[w0 + k]));
      s1 = r(s1 + r(v * w[w1 + k]));
      s2 = r(s2 + r(v * w[w2 + k]));
      s3 = r(s3 + r(v * w[w3 + k]));
    }
    y[yAt + o] = clampTo(s0, lo, hi);
    y[yAt + o + 1] = clampTo(s1, lo, hi);
    y[yAt + o + 2] = clampTo(s2, lo, hi);
    y[yAt + o + 3] = clampTo(s3, lo, hi);
  }
  for (; o < outC; o++) {
    const w0 = o * K;
    let s = bias[o];
    for (let k = 0; k < K; k++) s = r(s + r(src[at + k] * w[w0 + k]));
    y[yAt + o] = clampTo(s, lo, hi);
  }
}

/**
 * y[n, oy, ox, o] = act(b[o] + Σ_{ky, kx, i} x[n, oy·sh − padTop + ky·dh, ox·sw − padLeft + kx·dw, i] · w[o, ky, kx, i]),
 * out-of-bounds taps contributing nothing (zero padding). Filter OHWI.
 *
 * Per output pixel, the window is gathered into `patch` in the filter's (ky, kx, i) order, zeros
 * where it hangs over the edge; then each output channel is one dot product of length kh·kw·inC
 * with its contiguous filter row. A 1×1 conv with stride 1 and no padding reads x directly.
 */
export const conv2d: Kernel<'conv_2d'> = (op) => {
  floatOnly(op);
  const [n, inH, inW, inC] = op.inputs[0].type.shape;
  const [outC, kh, kw] = op.inputs[1].type.shape;
  const a = op.attrs;
  const { stride_h: sh, stride_w: sw, dilation_h: dh, dilation_w: dw } = a;
  const { outH, outW, padTop, padLeft } = geometry(inH, inW, kh, kw, a);
  const [lo, hi] = activationRange(a.fused_activation);
  const hasBias = op.inputs.length > 2;
  const zeros = new Float32Array(outC);
  const K = kh * kw * inC;
  const direct = kh === 1 && kw === 1 && sh === 1 && sw === 1 && outH === inH && outW === inW;
  const patch = new Float32Array(K);
  return (ins, outs) => {
    const [x, w, y] = [ins[0], ins[1], outs[0]] as Float32Array[];
    const bias = hasBias ? (ins[2] as Float32Array) : zeros;
    if (direct) {
      for (let p = 0; p < n * inH * inW; p++) rowTimesFilters(x, p * inC, w, K, outC, bias, y, p * outC, lo, hi);
      return;
    }
    let yAt = 0;
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < outH; oy++) {
        const iy0 = oy * sh - padTop;
        for (let ox = 0; ox < outW; ox++) {
          const ix0 = ox * sw - padLeft;
          let k = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = iy0 + ky * dh;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ix0 + kx * dw;
              if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) {
                patch.fill(0, k, k + inC);
              } else {
                const xAt = ((b * inH + iy) * inW + ix) * inC;
                for (let i = 0; i < inC; i++) patch[k + i] = x[xAt + i];
              }
              k += inC;
            }
          }
          rowTimesFilters(patch, 0, w, K, outC, bias, y, yAt, lo, hi);
          yAt += outC;
        }
      }
    }
  };
};

/**
 * y[n, oy, ox, c·M + m] = act(b[c·M + m] + Σ_{ky, kx} x[n, iy, ix, c] · w[0, ky, kx, c·M + m]),
 * with iy, ix as for conv_2d. Filter [1, H, W, C·M].
 *
 * Per output pixel, the in-bounds taps are listed once in `taps` (offsets into x and w, in (ky, kx)
 * order); then each channel's sum runs over them in order, in double. With M = 1 four channels go
 * together, so that consecutive reads of x and w serve four sums (2× faster in V8).
 */
export const depthwiseConv2d: Kernel<'depthwise_conv_2d'> = (op) => {
  floatOnly(op);
  const [n, inH, inW, inC] = op.inputs[0].type.shape;
  const [, kh, kw, outC] = op.inputs[1].type.shape;
  const a = op.attrs;
  const m = a.depth_multiplier;
  const { stride_h: sh, stride_w: sw, dilation_h: dh, dilation_w: dw } = a;
  const { outH, outW, padTop, padLeft } = geometry(inH, inW, kh, kw, a);
  const [lo, hi] = activationRange(a.fused_activation);
  const hasBias = op.inputs.length > 2;
  const zeros = new Float32Array(outC);
  const taps = new Int32Array(2 * kh * kw);
  return (ins, outs) => {
    const [x, w, y] = [ins[0], ins[1], outs[0]] as Float32Array[];
    const bias = hasBias ? (ins[2] as Float32Array) : zeros;
    let yAt = 0;
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < outH; oy++) {
        const iy0 = oy * sh - padTop;
        for (let ox = 0; ox < outW; ox++) {
          const ix0 = ox * sw - padLeft;
          let nt = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = iy0 + ky * dh;
            if (iy < 0 || iy >= inH) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ix0 + kx * dw;
              if (ix < 0 || ix >= inW) continue;
              taps[nt++] = ((b * inH + iy) * inW + ix) * inC;
              taps[nt++] = (ky * kw + kx) * outC;
            }
          }
          let o = 0;
          if (m === 1) {
            for (; o + 4 <= outC; o += 4) {
              let s0 = bias[o];
              let s1 = bias[o + 1];
              let s2 = bias[o + 2];
              let s3 = bias[o + 3];
              for (let t = 0; t < nt; t += 2) {
                const xAt = taps[t] + o;
                const wAt = taps[t + 1] + o;
                s0 += x[xAt] * w[wAt];
                s1 += x[xAt + 1] * w[wAt + 1];
                s2 += x[xAt + 2] * w[wAt + 2];
                s3 += x[xAt + 3] * w[wAt + 3];
              }
              y[yAt + o] = clampTo(s0, lo, hi);
              y[yAt + o + 1] = clampTo(s1, lo, hi);
              y[yAt + o + 2] = clampTo(s2, lo, hi);
              y[yAt + o + 3] = clampTo(s3, lo, hi);
            }
          }
          for (; o < outC; o++) {
            const c = Math.floor(o / m);
            let s = bias[o];
            for (let t = 0; t < nt; t += 2) s += x[taps[t] + c] * w[taps[t + 1] + o];
            y[yAt + o] = clampTo(s, lo, hi);
          }
          yAt += outC;
        }
      }
    }
  };
};

/** y[r, o] = act(b[o] + Σ_k x[r, k] · w[o, k]) over the input flattened to rows of K (weights [O, K]). */
export const fullyConnected: Kernel<'fully_connected'> = (op) => {
  floatOnly(op);
  const [outC, k] = op.inputs[1].type.shape;
  const rows = op.inputs[0].type.shape.reduce((p, d) => p * d, 1) / k;
  const [lo, hi] = activationRange(op.attrs.fused_activation);
  const hasBias = op.inputs.length > 2;
  const zeros = new Float32Array(outC);
  return (ins, outs) => {
    const [x, w, y] = [ins[0], ins[1], outs[0]] as Float32Array[];
    const bias = hasBias ? (ins[2] as Float32Array) : zeros;
    for (let r = 0; r < rows; r++) rowTimesFilters(x, r * k, w, k, outC, bias, y, r * outC, lo, hi);
  };
};
