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
 * y[n, oy, ox, o] = act(b[o] + Σ_{ky, kx, i} x[n, oy·sh − padTop + ky·dh, ox·sw − padLeft + kx·dw, i] · w[o, ky, kx, i]),
 * out-of-bounds taps contributing nothing (zero padding). Filter OHWI.
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
  return (ins, outs) => {
    const [x, w, bias, y] = [ins[0], ins[1], ins[2], outs[0]] as Float32Array[];
    let yi = 0;
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < outH; oy++) {
        const iy0 = oy * sh - padTop;
        for (let ox = 0; ox < outW; ox++) {
          const ix0 = ox * sw - padLeft;
          for (let o = 0; o < outC; o++) {
            let sum = hasBias ? bias[o] : 0;
            for (let ky = 0; ky < kh; ky++) {
              const iy = iy0 + ky * dh;
              if (iy < 0 || iy >= inH) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ix0 + kx * dw;
                if (ix < 0 || ix >= inW) continue;
                const xBase = ((b * inH + iy) * inW + ix) * inC;
                const wBase = ((o * kh + ky) * kw + kx) * inC;
                for (let i = 0; i < inC; i++) sum += x[xBase + i] * w[wBase + i];
              }
            }
            y[yi++] = clampTo(sum, lo, hi);
          }
        }
      }
    }
  };
};

/**
 * y[n, oy, ox, c·M + m] = act(b[c·M + m] + Σ_{ky, kx} x[n, iy, ix, c] · w[0, ky, kx, c·M + m]),
 * with iy, ix as for conv_2d. Filter [1, H, W, C·M].
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
  return (ins, outs) => {
    const [x, w, bias, y] = [ins[0], ins[1], ins[2], outs[0]] as Float32Array[];
    let yi = 0;
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < outH; oy++) {
        const iy0 = oy * sh - padTop;
        for (let ox = 0; ox < outW; ox++) {
          const ix0 = ox * sw - padLeft;
          for (let o = 0; o < outC; o++) {
            const c = Math.floor(o / m);
            let sum = hasBias ? bias[o] : 0;
            for (let ky = 0; ky < kh; ky++) {
              const iy = iy0 + ky * dh;
              if (iy < 0 || iy >= inH) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ix0 + kx * dw;
                if (ix < 0 || ix >= inW) continue;
                sum += x[((b * inH + iy) * inW + ix) * inC + c] * w[(ky * kw + kx) * outC + o];
              }
            }
            y[yi++] = clampTo(sum, lo, hi);
          }
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
  return (ins, outs) => {
    const [x, w, bias, y] = [ins[0], ins[1], ins[2], outs[0]] as Float32Array[];
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < outC; o++) {
        let sum = hasBias ? bias[o] : 0;
        const xBase = r * k;
        const wBase = o * k;
        for (let i = 0; i < k; i++) sum += x[xBase + i] * w[wBase + i];
        y[r * outC + o] = clampTo(sum, lo, hi);
      }
    }
  };
};
