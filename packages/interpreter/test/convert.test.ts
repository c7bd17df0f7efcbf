/** dequantize, quantize and fake_quant on hand-computed values. */
import { describe, expect, it } from 'vitest';
import { Graph, type DType, type QuantParams, type TypedArray } from '@octet/ir';
import { interpret, Interpreter } from '../src/index.ts';

function dequantize(dtype: DType, shape: number[], data: TypedArray, quant?: QuantParams): Float32Array {
  const g = new Graph('dq');
  const x = g.addInput('x', { dtype, shape, ...(quant ? { quant } : {}) });
  g.outputs.push(g.add('dequantize', [x], {}));
  return interpret(g, [data])[0] as Float32Array;
}

function quantize(dtype: DType, quant: QuantParams, data: number[], arithmetic: 'xnnpack' | 'reference'): number[] {
  const g = new Graph('q');
  const x = g.addInput('x', { dtype: 'float32', shape: [data.length] });
  g.outputs.push(g.add('quantize', [x], {}, { types: [{ dtype, shape: [data.length], quant }] }));
  return [...(interpret(g, [new Float32Array(data)], { arithmetic })[0] as Int8Array)];
}

function fakeQuant(attrs: { min: number; max: number; num_bits?: number; narrow_range?: boolean }, data: number[]): number[] {
  const g = new Graph('fq');
  const x = g.addInput('x', { dtype: 'float32', shape: [data.length] });
  g.outputs.push(g.add('fake_quant', [x], attrs));
  return [...(interpret(g, [new Float32Array(data)])[0] as Float32Array)];
}

describe('dequantize', () => {
  it('float16 bits → float32 exactly', () => {
    // 1, −2, 1.3330078125·2⁻² , largest half, smallest subnormal 2⁻²⁴, −∞, −0
    const half = new Uint16Array([0x3c00, 0xc000, 0x3555, 0x7bff, 0x0001, 0xfc00, 0x8000]);
    const y = dequantize('float16', [7], half);
    expect([...y]).toEqual([1, -2, 0.333251953125, 65504, 2 ** -24, -Infinity, -0]);
    expect(Object.is(y[6], -0)).toBe(true);
  });

  it('int8 per axis 0 (conv / fully_connected weights)', () => {
    const q = { scale: [0.5, 0.25], zeroPoint: [0, 0], axis: 0 };
    // row 0 · 0.5, row 1 · 0.25
    expect([...dequantize('int8', [2, 3], new Int8Array([1, -2, 127, -128, 4, 10]), q)]).toEqual([0.5, -1, 63.5, -32, 1, 2.5]);
  });

  it('int8 per axis 1 with zero points, and per last axis (depthwise weights)', () => {
    const q = { scale: [1, 0.5, 2], zeroPoint: [0, 1, -1], axis: 1 };
    // column c: scale[c] · (q − zp[c])
    expect([...dequantize('int8', [2, 3], new Int8Array([1, 3, -1, 4, 5, 6]), q)]).toEqual([1, 1, 0, 4, 2, 14]);
    const dw = { scale: [0.125, 4], zeroPoint: [0, 0], axis: 3 };
    expect([...dequantize('int8', [1, 2, 1, 2], new Int8Array([8, 1, -16, -2]), dw)]).toEqual([1, 4, -2, -8]);
  });

  it('rounds the per-axis product to float32 once', () => {
    // fl(0.1) = 0.100000001490116…; times 3 = 0.30000000447… → float32 0.30000001192092896
    const y = dequantize('int8', [2], new Int8Array([3, 3]), { scale: [0.1, 0.1], zeroPoint: [0, 0], axis: 0 });
    expect([...y]).toEqual([0.30000001192092896, 0.30000001192092896]);
  });

  it('uint8 and int32 per tensor', () => {
    expect([...dequantize('uint8', [3], new Uint8Array([0, 128, 255]), { scale: [0.5], zeroPoint: [128] })]).toEqual([-64, 0, 63.5]);
    expect([...dequantize('int32', [2], new Int32Array([1 << 20, -3]), { scale: [2 ** -20], zeroPoint: [0] })]).toEqual([1, -3 * 2 ** -20]);
  });

  it('refuses an integer tensor without parameters', () => {
    const g = new Graph('dq');
    g.outputs.push(g.add('dequantize', [g.addInput('x', { dtype: 'int8', shape: [2] })], {}));
    expect(() => new Interpreter(g)).toThrow("'dequantize' op input is int8 without quantization parameters: give the tensor a scale and zero point");
  });
});

describe('quantize float32 → int8 / uint8', () => {
  const x = [0.25, 0.75, -0.25, 100, -100, 1];
  it('reference: away(fl(x / s)) + zp, saturating', () => {
    // x / 0.5 = 0.5, 1.5, −0.5, 200, −200, 2
    expect(quantize('int8', { scale: [0.5], zeroPoint: [0] }, x, 'reference')).toEqual([1, 2, -1, 127, -128, 2]);
    expect(quantize('uint8', { scale: [0.5], zeroPoint: [128] }, [0.25, -64, 64, -0.25], 'reference')).toEqual([129, 0, 255, 127]);
  });

  it('xnnpack: even(fl(x · fl(1/s))) + zp, saturating', () => {
    expect(quantize('int8', { scale: [0.5], zeroPoint: [0] }, x, 'xnnpack')).toEqual([0, 2, 0, 127, -128, 2]);
    expect(quantize('uint8', { scale: [0.5], zeroPoint: [128] }, [0.25, -64, 64, -0.25], 'xnnpack')).toEqual([128, 0, 255, 128]);
  });

  it('the modes differ at a near-tie: fl(0.05)/fl(0.1) = 0.5 exactly, fl(0.05)·fl(1/fl(0.1)) rounds to 0.5 too', () => {
    expect(quantize('int8', { scale: [0.1], zeroPoint: [0] }, [0.05], 'reference')).toEqual([1]);
    expect(quantize('int8', { scale: [0.1], zeroPoint: [0] }, [0.05], 'xnnpack')).toEqual([0]);
    expect(quantize('int8', { scale: [0.1], zeroPoint: [-3] }, [0.15], 'reference')).toEqual([-1]);
  });

  it('refuses per-axis results and integer inputs', () => {
    const g = new Graph('q');
    const x = g.addInput('x', { dtype: 'float32', shape: [2, 2] });
    g.outputs.push(g.add('quantize', [x], {}, { types: [{ dtype: 'int8', shape: [2, 2], quant: { scale: [1, 2], zeroPoint: [0, 0], axis: 0 } }] }));
    expect(() => new Interpreter(g)).toThrow("'quantize' op result is quantized per axis: quantize activations per tensor (one scale, one zero point)");
    const r = new Graph('rq');
    const y = r.addInput('y', { dtype: 'int32', shape: [2], quant: { scale: [1], zeroPoint: [0] } });
    r.outputs.push(r.add('quantize', [y], {}, { types: [{ dtype: 'uint8', shape: [2], quant: { scale: [1], zeroPoint: [128] } }] }));
    expect(() => new Interpreter(r)).toThrow("'quantize' op has no kernel for int32 → uint8: integer requantization takes int8, uint8 or int16 to one of them");
  });
});

describe('fake_quant (TensorFlow FakeQuantWithMinMaxArgs)', () => {
  it('quantizes to 2^bits levels on an exact range, ties up', () => {
    // 4 bits on [−8, 7]: scale 1, zero point 8; y = ⌊x + ½⌋ clamped to [−8, 7]
    expect(fakeQuant({ min: -8, max: 7, num_bits: 4 }, [0.4, 0.5, 0.6, -3.5, 100, -100, 6.5])).toEqual([0, 1, 1, -3, 7, -8, 7]);
  });

  it('nudges the range so that 0 is a level', () => {
    // 4 bits on [−1.25, 13.75]: scale 1, zero point from min 1.25 → 1: range moves to [−1, 14]
    expect(fakeQuant({ min: -1.25, max: 13.75, num_bits: 4 }, [0, -1.25, 13.75, 13.9, 2.5, -0.5])).toEqual([0, -1, 14, 14, 3, 0]);
  });

  it('narrow_range drops the lowest level', () => {
    // 4 bits narrow on [−7, 7]: levels 1..15, scale 1, zero point 8
    expect(fakeQuant({ min: -7, max: 7, num_bits: 4, narrow_range: true }, [-9, -6.5, 6.6, 0])).toEqual([-7, -6, 7, 0]);
  });

  it('8 bits with a scale of 0.5', () => {
    // [−64, 63.5] / 255 = 0.5, zero point 128: y = 0.5·⌊2x + ½⌋ clamped
    expect(fakeQuant({ min: -64, max: 63.5 }, [0.25, 0.3, -0.25, 63.7, -70])).toEqual([0.5, 0.5, 0, 63.5, -64]);
  });

  it('gives zeros for [0, 0] and refuses another empty range', () => {
    expect(fakeQuant({ min: 0, max: 0 }, [1, -2, 3])).toEqual([0, 0, 0]);
    const g = new Graph('fq');
    g.outputs.push(g.add('fake_quant', [g.addInput('x', { dtype: 'float32', shape: [1] })], { min: 3, max: 3 }));
    expect(() => new Interpreter(g)).toThrow("'fake_quant' op has an empty range [3, 3]: give min < max (or both 0)");
  });
});
