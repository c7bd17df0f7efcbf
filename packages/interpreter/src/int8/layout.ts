import { normalizeAxis, stridesOf, type Op } from '@octet/ir';
import { InterpreterError, opWhere } from '../errors.ts';
import { padRun, resizeNearestRun, transposeRun } from '../movement.ts';
import type { KernelRun } from '../kernel.ts';
import { forEachOffset, product } from '../nd.ts';
import { fl, roundHalfAway } from './arith.ts';
import { INT8_MAX, INT8_MIN, perTensor, requireInt8 } from './params.ts';

/**
 * Data movement on int8 tensors: the bytes move, the parameters stay. TFLite's kernels copy the
 * stored values whatever the parameters (the converter gives input and output the same ones), so
 * these kernels do too; pad fills with the output's zero point (real 0).
 */

type IntArray = Int8Array;

export function reshapeInt8(op: Op<'reshape'>): KernelRun {
  requireInt8(op);
  return (ins, outs) => (outs[0] as IntArray).set(ins[0] as IntArray);
}

export function padInt8(op: Op<'pad'>): KernelRun {
  requireInt8(op);
  return padRun(op, perTensor(op, op.outputs[0], 'result').zeroPoint);
}

export function transposeInt8(op: Op<'transpose'>): KernelRun {
  requireInt8(op);
  return transposeRun(op);
}

export function resizeNearestNeighborInt8(op: Op<'resize_nearest_neighbor'>): KernelRun {
  requireInt8(op);
  return resizeNearestRun(op);
}

/**
 * Inputs at the output's parameters are copied. TFLite's int8 kernel accepts nothing else (its
 * Prepare requires equal parameters; the converter rescales inputs with QUANTIZE ops); an input
 * at other parameters is rescaled here as TFLite's uint8 ConcatenationWithScaling does:
 * r = fl(s_in · fl(1/s_out)), out = away(fl(fl(x·r) + fl(−zp_in·r))) + zp_out, clamped.
 */
export function concatenationInt8(op: Op<'concatenation'>): KernelRun {
  requireInt8(op);
  if (op.attrs.fused_activation !== 'none') {
    throw new InterpreterError(`${opWhere(op)} has fused activation ${op.attrs.fused_activation}: TFLite's int8 concatenation takes none; apply the activation before`);
  }
  const outQ = perTensor(op, op.outputs[0], 'result');
  const outShape = op.outputs[0].type.shape;
  const axis = normalizeAxis(op.attrs.axis, outShape.length);
  const outer = product(outShape, 0, axis);
  const blocks = op.inputs.map((v) => product(v.type.shape, axis));
  const inverse = fl(1 / outQ.scale);
  const tables = op.inputs.map((v, k) => {
    const q = perTensor(op, v, `input ${k}`);
    if (q.scale === outQ.scale && q.zeroPoint === outQ.zeroPoint) return undefined;
    const r = fl(q.scale * inverse);
    const bias = fl(-q.zeroPoint * r);
    const table = new Int8Array(256);
    for (let x = INT8_MIN; x <= INT8_MAX; x++) {
      const v = roundHalfAway(fl(fl(x * r) + bias)) + outQ.zeroPoint;
      table[x + 128] = v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v;
    }
    return table;
  });
  return (ins, outs) => {
    const y = outs[0] as IntArray;
    let o = 0;
    for (let r = 0; r < outer; r++) {
      for (let k = 0; k < ins.length; k++) {
        const x = ins[k] as IntArray;
        const block = blocks[k];
        const start = r * block;
        const table = tables[k];
        if (table === undefined) {
          y.set(x.subarray(start, start + block), o);
          o += block;
        } else {
          for (let i = start, end = start + block; i < end; i++) y[o++] = table[x[i] + 128];
        }
      }
    }
  };
}
