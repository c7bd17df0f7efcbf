import { halfToFloat, stridesOf, type DType, type Op, type QuantParams } from '@octet/ir';
import { InterpreterError, opWhere } from './errors.ts';
import { fl, multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfAway, roundHalfEven } from './int8/arith.ts';
import type { Kernel } from './kernel.ts';

/**
 * The conversions between float and integer tensors. They sit in both kernel families: which one
 * runs them depends on the input's dtype, the kernels are the same.
 */

type IntArray = Int8Array | Uint8Array | Int16Array | Int32Array;

const INTEGER_RANGE: { readonly [D in DType]?: readonly [number, number] } = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  int32: [-(2 ** 31), 2 ** 31 - 1],
};

function quantOf(op: Op, what: 'input' | 'result', dtype: DType, q: QuantParams | undefined): QuantParams {
  if (!q) throw new InterpreterError(`${opWhere(op)} ${what} is ${dtype} without quantization parameters: give the tensor a scale and zero point`);
  return q;
}

/** For each element, the index of its scale along the quantized axis (all zero when per-tensor). */
function channelOf(shape: readonly number[], q: QuantParams): (i: number) => number {
  if (q.axis === undefined) return () => 0;
  const inner = stridesOf(shape)[q.axis];
  const dim = shape[q.axis];
  return (i) => Math.floor(i / inner) % dim;
}

/**
 * float16 → float32 (exact), or integer → float32: real = scale · (q − zero_point), per tensor
 * (in double, rounded once, as TFLite's Dequantize) or per axis (PerChannelDequantize: float32).
 */
export const dequantize: Kernel<'dequantize'> = (op) => {
  const input = op.inputs[0].type;
  const outDtype = op.outputs[0].type.dtype;
  if (outDtype !== 'float32') throw new InterpreterError(`${opWhere(op)} produces ${outDtype}: dequantize yields float32 only`);
  if (input.dtype === 'float16') {
    return (ins, outs) => {
      const x = ins[0] as Uint16Array;
      const y = outs[0] as Float32Array;
      for (let i = 0; i < x.length; i++) y[i] = halfToFloat(x[i]);
    };
  }
  if (INTEGER_RANGE[input.dtype] === undefined) {
    throw new InterpreterError(`${opWhere(op)} has no kernel for ${input.dtype} input: dequantize takes float16, int8, uint8, int16 or int32`);
  }
  const q = quantOf(op, 'input', input.dtype, input.quant);
  const scales = q.scale.map(fl);
  const zps = q.zeroPoint;
  if (q.axis === undefined) {
    const [s, zp] = [scales[0], zps[0]];
    return (ins, outs) => {
      const x = ins[0] as IntArray;
      const y = outs[0] as Float32Array;
      for (let i = 0; i < x.length; i++) y[i] = s * (x[i] - zp);
    };
  }
  const channel = channelOf(input.shape, q);
  return (ins, outs) => {
    const x = ins[0] as IntArray;
    const y = outs[0] as Float32Array;
    for (let i = 0; i < x.length; i++) {
      const c = channel(i);
      y[i] = fl(scales[c] * fl(x[i] - zps[c]));
    }
  };
};

/**
 * float32 → int8/uint8/int16, per tensor, saturating. Rounding by arithmetic mode (ARITHMETIC.md):
 * xnnpack `even(fl(x · fl(1/s))) + zp`; reference `away(fl(x / s)) + zp`.
 */
export const quantize: Kernel<'quantize'> = (op, ctx) => {
  const inDtype = op.inputs[0].type.dtype;
  const out = op.outputs[0].type;
  const range = INTEGER_RANGE[out.dtype];
  if (inDtype !== 'float32' || range === undefined || out.dtype === 'int32') {
    throw new InterpreterError(
      `${opWhere(op)} has no kernel for ${inDtype} → ${out.dtype}: quantize converts float32 to int8, uint8 or int16 (integer requantization comes with the int8 kernels)`,
    );
  }
  const q = quantOf(op, 'result', out.dtype, out.quant);
  if (q.axis !== undefined || q.scale.length !== 1) {
    throw new InterpreterError(`${opWhere(op)} result is quantized per axis: quantize activations per tensor (one scale, one zero point)`);
  }
  const [lo, hi] = range;
  const s = fl(q.scale[0]);
  const zp = q.zeroPoint[0];
  const invS = fl(1 / s);
  const toInt = ctx.arithmetic === 'xnnpack' ? (x: number) => roundHalfEven(fl(x * invS)) : (x: number) => roundHalfAway(fl(x / s));
  return (ins, outs) => {
    const x = ins[0] as Float32Array;
    const y = outs[0] as IntArray;
    for (let i = 0; i < x.length; i++) y[i] = Math.min(Math.max(toInt(x[i]) + zp, lo), hi);
  };
};

/**
 * Integer → integer QUANTIZE (int8, uint8, int16 in and out).
 * - xnnpack mode, int8 → int8 or uint8 → uint8 with fl(s_in/s_out) ∈ [2⁻⁸, 2⁷] (the delegate's
 *   range): XNNPACK's convert, M = lrintf(256·fl(s_in/s_out)),
 *   out = ⌊((x − zp_in)·M + 128) / 256⌋ + zp_out, saturating (one rounding, ties toward +∞).
 * - otherwise TFLite's Requantize (the builtin kernel in both modes): with equal scales and zero
 *   points 128 apart between int8 and uint8 it is `x ^ 0x80`; else
 *   out = MBQM(x − zp_in, QM(s_in/s_out)) + zp_out (multiplier from the double ratio), saturating.
 */
export const requantize: Kernel<'quantize'> = (op, ctx) => {
  const input = op.inputs[0].type;
  const out = op.outputs[0].type;
  const range = INTEGER_RANGE[out.dtype];
  if (INTEGER_RANGE[input.dtype] === undefined || input.dtype === 'int32' || range === undefined || out.dtype === 'int32') {
    throw new InterpreterError(`${opWhere(op)} has no kernel for ${input.dtype} → ${out.dtype}: integer requantization takes int8, uint8 or int16 to one of them`);
  }
  const qi = perTensorOf(op, 'input', input.dtype, input.quant);
  const qo = perTensorOf(op, 'result', out.dtype, out.quant);
  const [si, so] = [fl(qi.scale[0]), fl(qo.scale[0])];
  const [zi, zo] = [qi.zeroPoint[0], qo.zeroPoint[0]];
  const m = quantizeMultiplier(si / so);
  const flip = (input.dtype === 'int8' && out.dtype === 'uint8' && zo - zi === 128) || (input.dtype === 'uint8' && out.dtype === 'int8' && zi - zo === 128);
  if (flip && m.M === 2 ** 30 && m.e === 1) {
    return (ins, outs) => {
      const x = ins[0] as IntArray;
      const y = outs[0] as IntArray;
      for (let i = 0; i < x.length; i++) y[i] = x[i] ^ 0x80;
    };
  }
  const [lo, hi] = range;
  const ratio = fl(si / so);
  if (ctx.arithmetic === 'xnnpack' && input.dtype === out.dtype && out.dtype !== 'int16' && ratio >= 2 ** -8 && ratio <= 2 ** 7) {
    const M = roundHalfEven(256 * ratio);
    return (ins, outs) => {
      const x = ins[0] as IntArray;
      const y = outs[0] as IntArray;
      for (let i = 0; i < x.length; i++) {
        const v = Math.floor(((x[i] - zi) * M + 128) / 256) + zo;
        y[i] = v < lo ? lo : v > hi ? hi : v;
      }
    };
  }
  return (ins, outs) => {
    const x = ins[0] as IntArray;
    const y = outs[0] as IntArray;
    for (let i = 0; i < x.length; i++) {
      const v = multiplyByQuantizedMultiplier(x[i] - zi, m) + zo;
      y[i] = v < lo ? lo : v > hi ? hi : v;
    }
  };
};

function perTensorOf(op: Op, what: 'input' | 'result', dtype: DType, q: QuantParams | undefined): QuantParams {
  const p = quantOf(op, what, dtype, q);
  if (p.axis !== undefined || p.scale.length !== 1) {
    throw new InterpreterError(`${opWhere(op)} ${what} is quantized per axis: requantize activations per tensor (one scale, one zero point)`);
  }
  return p;
}
