import { windowOutputSize, windowPadBefore, type Op } from '@octet/ir';
import type { Kernel, KernelRun } from '../kernel.ts';
import { activationRange, clampTo } from './activation.ts';
import { floatOnly } from './float-only.ts';

type PoolKind = 'max_pool_2d' | 'average_pool_2d';

/**
 * A pooling window reduced over its in-bounds taps only: padding is neither a candidate for the
 * max nor counted in the average (TFLite's float pools).
 */
function pool(op: Op<PoolKind>, reduce: 'max' | 'average'): KernelRun {
  floatOnly(op);
  const [n, inH, inW, c] = op.inputs[0].type.shape;
  const a = op.attrs;
  const outH = windowOutputSize(inH, a.filter_h, a.stride_h, 1, a.padding);
  const outW = windowOutputSize(inW, a.filter_w, a.stride_w, 1, a.padding);
  const padTop = windowPadBefore(inH, a.filter_h, a.stride_h, 1, a.padding);
  const padLeft = windowPadBefore(inW, a.filter_w, a.stride_w, 1, a.padding);
  const [lo, hi] = activationRange(a.fused_activation);
  return (ins, outs) => {
    const x = ins[0] as Float32Array;
    const y = outs[0] as Float32Array;
    let yi = 0;
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < outH; oy++) {
        const y0 = Math.max(0, oy * a.stride_h - padTop);
        const y1 = Math.min(inH, oy * a.stride_h - padTop + a.filter_h);
        for (let ox = 0; ox < outW; ox++) {
          const x0 = Math.max(0, ox * a.stride_w - padLeft);
          const x1 = Math.min(inW, ox * a.stride_w - padLeft + a.filter_w);
          for (let ch = 0; ch < c; ch++) {
            let acc = reduce === 'max' ? -Infinity : 0;
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) {
                const v = x[((b * inH + iy) * inW + ix) * c + ch];
                acc = reduce === 'max' ? Math.max(acc, v) : acc + v;
              }
            }
            if (reduce === 'average') acc /= (y1 - y0) * (x1 - x0);
            y[yi++] = clampTo(acc, lo, hi);
          }
        }
      }
    }
  };
}

export const maxPool2d: Kernel<'max_pool_2d'> = (op) => pool(op, 'max');
export const averagePool2d: Kernel<'average_pool_2d'> = (op) => pool(op, 'average');
