import type { Activation } from '@octet/ir';
import { fl, multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfAway, type QuantizedMultiplier } from './arith.ts';
import { activationBounds, type TensorQuant } from './params.ts';

/**
 * Turns one pixel's int32 accumulators (one per output channel, bias included) into int8 outputs:
 * writes `y[offset + c]` for every channel c. Called once per pixel (row), so the per-channel
 * multipliers and the bounds are set up once, in the kernel's prepare phase.
 */
export type Requantize = (acc: Int32Array, y: Int8Array, offset: number) => void;

/**
 * The three requantizations of ARITHMETIC.md for conv_2d / depthwise_conv_2d / fully_connected:
 * - `xnnpack`: s_c = fl(fl(s_in·s_w[c]) / s_out); y = fl(fl(acc)·s_c) clamped to [lo − zp, hi − zp];
 *   out = even(y) + zp. XNNPACK converts the int32 accumulator to float before multiplying
 *   (`(float) vacc * vscale`), which matters once |acc| > 2^24.
 * - `q31` (reference conv/depthwise): M, e = QuantizeMultiplier(s_in·s_w[c]/s_out) in double;
 *   out = MBQM(acc, M, e) + zp, clamped to the builtin bounds.
 * - `double` (reference fully_connected): out = away(acc · (s_in·s_w[c]/s_out)) + zp, in double.
 */
export type RequantizeKind = 'xnnpack' | 'q31' | 'double';

// Adding 1.5·2^23 in float32 rounds |y| < 2^22 to an integer, ties to even (XNNPACK's "magic bias").
const MAGIC = 12582912;

export function makeRequantize(kind: RequantizeKind, sIn: number, sW: Float64Array, out: TensorQuant, act: Activation): Requantize {
  const n = sW.length;
  const zp = out.zeroPoint;
  if (kind === 'xnnpack') {
    const scale = new Float64Array(n);
    for (let c = 0; c < n; c++) scale[c] = fl(fl(sIn * sW[c]) / out.scale);
    const [lo, hi] = activationBounds(act, out, 'xnnpack');
    const loF = lo - zp;
    const hiF = hi - zp;
    return (acc, y, offset) => {
      for (let c = 0; c < n; c++) {
        const a = acc[c];
        // fl(acc) is acc itself below 2^24: skip the conversion where it cannot round
        let v = fl((a > 16777216 || a < -16777216 ? fl(a) : a) * scale[c]);
        v = v < loF ? loF : v > hiF ? hiF : v;
        y[offset + c] = fl(v + MAGIC) - MAGIC + zp;
      }
    };
  }
  const [lo, hi] = activationBounds(act, out, 'builtin');
  if (kind === 'double') {
    const m = new Float64Array(n);
    for (let c = 0; c < n; c++) m[c] = (sIn * sW[c]) / out.scale;
    return (acc, y, offset) => {
      for (let c = 0; c < n; c++) {
        const v = roundHalfAway(acc[c] * m[c]) + zp;
        y[offset + c] = v < lo ? lo : v > hi ? hi : v;
      }
    };
  }
  const qm: QuantizedMultiplier[] = [];
  for (let c = 0; c < n; c++) qm.push(quantizeMultiplier((sIn * sW[c]) / out.scale));
  return (acc, y, offset) => {
    for (let c = 0; c < n; c++) {
      const v = multiplyByQuantizedMultiplier(acc[c], qm[c]) + zp;
      y[offset + c] = v < lo ? lo : v > hi ? hi : v;
    }
  };
}
