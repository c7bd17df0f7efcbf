import { windowOutputSize, windowPadBefore, type Op } from '@octet/ir';
import type { KernelContext, KernelRun } from '../kernel.ts';
import { activationBounds, perTensor, requireInt8, requireSameQuant } from './params.ts';

type PoolKind = 'max_pool_2d' | 'average_pool_2d';

/**
 * int8 pooling over the in-bounds taps of each window, input and output at the same parameters
 * (TFLite's int8 pools require it), then the fused activation's clamp.
 * - max: the largest tap. XNNPACK runs it in xnnpack mode, so its bounds use XNNPACK's formula.
 * - average: S = Σ taps, n = their count, out = away(S / n) computed in integers as TFLite does
 *   (`(S ± ⌊n/2⌋) / n`, truncating). Never delegated for int8: builtin bounds in both modes.
 */
function pool(op: Op<PoolKind>, ctx: KernelContext, reduce: 'max' | 'average'): KernelRun {
  requireInt8(op);
  const inQ = perTensor(op, op.inputs[0], 'input');
  const outQ = perTensor(op, op.outputs[0], 'result');
  requireSameQuant(op, inQ, outQ, 'result');
  const formula = reduce === 'max' && ctx.arithmetic === 'xnnpack' ? 'xnnpack' : 'builtin';
  const [lo, hi] = activationBounds(op.attrs.fused_activation, outQ, formula);
  const [n, inH, inW, c] = op.inputs[0].type.shape;
  const a = op.attrs;
  const outH = windowOutputSize(inH, a.filter_h, a.stride_h, 1, a.padding);
  const outW = windowOutputSize(inW, a.filter_w, a.stride_w, 1, a.padding);
  const padTop = windowPadBefore(inH, a.filter_h, a.stride_h, 1, a.padding);
  const padLeft = windowPadBefore(inW, a.filter_w, a.stride_w, 1, a.padding);
  const acc = new Int32Array(c);
  return (ins, outs) => {
    const x = ins[0] as Int8Array;
    const y = outs[0] as Int8Array;
    let yi = 0;
    for (let b = 0; b < n; b++) {
      const xb = b * inH * inW * c;
      for (let oy = 0; oy < outH; oy++) {
        const y0 = Math.max(0, oy * a.stride_h - padTop);
        const y1 = Math.min(inH, oy * a.stride_h - padTop + a.filter_h);
        for (let ox = 0; ox < outW; ox++) {
          const x0 = Math.max(0, ox * a.stride_w - padLeft);
          const x1 = Math.min(inW, ox * a.stride_w - padLeft + a.filter_w);
          acc.fill(reduce === 'max' ? -128 : 0);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const base = xb + (iy * inW + ix) * c;
              if (reduce === 'max') {
                for (let ch = 0; ch < c; ch++) if (x[base + ch] > acc[ch]) acc[ch] = x[base + ch];
              } else {
                for (let ch = 0; ch < c; ch++) acc[ch] += x[base + ch];
              }
            }
          }
          const count = (y1 - y0) * (x1 - x0);
          const half = count >> 1;
          for (let ch = 0; ch < c; ch++) {
            let v = acc[ch];
            if (reduce === 'average') v = Math.trunc(v > 0 ? (v + half) / count : (v - half) / count);
            y[yi++] = v < lo ? lo : v > hi ? hi : v;
          }
        }
      }
    }
  };
}

export const maxPool2dInt8 = (op: Op<'max_pool_2d'>, ctx: KernelContext): KernelRun => pool(op, ctx, 'max');
export const averagePool2dInt8 = (op: Op<'average_pool_2d'>, ctx: KernelContext): KernelRun => pool(op, ctx, 'average');
