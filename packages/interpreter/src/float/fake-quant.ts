import { InterpreterError, opWhere } from '../errors.ts';
import { fl, roundHalfAway } from '../int8/arith.ts';
import type { Kernel } from '../kernel.ts';
import { floatOnly } from './float-only.ts';

/** TensorFlow's Nudge: the range moved so that real 0 is exactly a quantization level. All float32. */
export function nudge(min: number, max: number, quantMin: number, quantMax: number) {
  const scale = fl(fl(max - min) / (quantMax - quantMin));
  const invScale = fl((quantMax - quantMin) / fl(max - min));
  const zeroPointFromMin = fl(quantMin - fl(min / scale));
  const zeroPoint = zeroPointFromMin < quantMin ? quantMin : zeroPointFromMin > quantMax ? quantMax : roundHalfAway(zeroPointFromMin);
  return {
    scale,
    invScale,
    zeroPoint,
    nudgedMin: fl((quantMin - zeroPoint) * scale),
    nudgedMax: fl((quantMax - zeroPoint) * scale),
  };
}

/**
 * FakeQuantWithMinMaxArgs: levels [0, 2^bits − 1] ([1, …] with narrow_range), range nudged so that 0
 * is exact; y = (⌊(clamp(x) − nudged_min)·inv_scale − quant_zero + ½⌋)·scale, in float32 as
 * TensorFlow computes it. min = max = 0 gives zeros (FakeQuantWithMinMaxVars).
 */
export const fakeQuant: Kernel<'fake_quant'> = (op) => {
  floatOnly(op);
  const a = op.attrs;
  const [min, max] = [fl(a.min), fl(a.max)];
  if (min === 0 && max === 0) return (_, outs) => (outs[0] as Float32Array).fill(0);
  if (!(min < max)) throw new InterpreterError(`${opWhere(op)} has an empty range [${a.min}, ${a.max}]: give min < max (or both 0)`);
  const quantMin = a.narrow_range ? 1 : 0;
  const quantMax = 2 ** a.num_bits - 1;
  const { scale, invScale, nudgedMin, nudgedMax } = nudge(min, max, quantMin, quantMax);
  const quantZero = Math.floor(fl(fl(-nudgedMin * invScale) + 0.5));
  return (ins, outs) => {
    const x = ins[0] as Float32Array;
    const y = outs[0] as Float32Array;
    for (let i = 0; i < x.length; i++) {
      const shifted = fl(Math.max(Math.min(x[i], nudgedMax), nudgedMin) - nudgedMin);
      y[i] = Math.floor(fl(fl(fl(shifted * invScale) - quantZero) + 0.5)) * scale;
    }
  };
};
