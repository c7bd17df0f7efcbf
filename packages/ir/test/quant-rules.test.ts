import { describe, expect, it } from 'vitest';
import { biasProblems, collectProblems, parse, quantizationProblems, type Graph, type Op } from '../src/index.ts';

/** The rule ids that fire, in report order. */
const rules = (g: Graph) => quantizationProblems(g).map((p) => p.rule);

/** A quantized fully_connected over `x: i8[1,4] q(0.5, -3)` with the given weight and bias declarations. */
function fc(weights: string, bias: string, result = 'i8[1,2] q(0.25, 1)'): Graph {
  return parse(`graph @fc(%x: i8[1,4] q(0.5, -3)) {
  %w = const ${weights}
  %b = const ${bias}
  %y = fully_connected(%x, %w, %b) : ${result} loc("dense")
  return %y
}`);
}

// Scales in powers of two, so that s_in × s_w[c] is exact: 0.5 × [0.25, 0.125] = [0.125, 0.0625].
const W = 'i8[2,4] q(axis=0, [0.25, 0.125], [0, 0]) [1, -2, 3, -4, 127, -127, 0, 5]';
const B = 'i32[2] q(axis=0, [0.125, 0.0625], [0, 0]) [10, -20]';

describe('quantizationProblems: weighted ops', () => {
  it('accepts a sound int8 fully_connected (and the graph verifies, so the case is not vacuous)', () => {
    const g = fc(W, B);
    expect(collectProblems(g)).toEqual([]);
    expect(quantizationProblems(g)).toEqual([]);
  });

  it('rejects a bias scale one channel off, in the house style, attached to the op', () => {
    const g = fc(W, 'i32[2] q(axis=0, [0.125, 0.0625001], [0, 0]) [10, -20]');
    const problems = quantizationProblems(g);
    expect(problems.map((p) => p.rule)).toEqual(['bias-scale']);
    expect(problems[0].message).toBe(
      "'fully_connected' op (from 'dense') bias scale 0.0625001 ≠ input scale × weight scale[1] = 0.0625: requantize the bias",
    );
    expect(problems[0].op).toBe(g.ops[0]);
  });

  it('compares bias scales as float32 bit for bit: fl(fl(0.1)·fl(0.3)) passes, fl(0.03) (one ulp away) does not', () => {
    // 0.1 × 0.3 in float32 is 0.030000001; TensorFlow stores that product, not the float32 nearest 0.03.
    expect(Math.fround(Math.fround(0.1) * Math.fround(0.3))).not.toBe(Math.fround(0.03));
    const text = (bias: string) =>
      parse(`graph @g(%x: i8[1,2] q(0.1, 0)) {
  %w = const i8[1,2] q(0.3, 0) [1, 2]
  %b = const i32[1] q(${bias}, 0) [7]
  %y = fully_connected(%x, %w, %b) : i8[1,1] q(0.5, 0)
  return %y
}`);
    expect(rules(text('0.030000001'))).toEqual([]);
    expect(rules(text('0.03'))).toEqual(['bias-scale']);
  });

  it('broadcasts a per-tensor weight scale over a per-channel bias, and counts every wrong channel', () => {
    const w = 'i8[3,4] q(0.25, 0) [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]';
    const good = fc(w, 'i32[3] q(axis=0, [0.125, 0.125, 0.125], [0, 0, 0]) [1, 2, 3]', 'i8[1,3] q(0.25, 1)');
    expect(rules(good)).toEqual([]);
    const bad = quantizationProblems(fc(w, 'i32[3] q(axis=0, [0.125, 0.25, 0.5], [0, 0, 0]) [1, 2, 3]', 'i8[1,3] q(0.25, 1)'));
    expect(bad.map((p) => p.rule)).toEqual(['bias-scale']);
    expect(bad[0].message).toContain('bias scale 0.25 ≠ input scale × weight scale = 0.125 (and 1 more channel)');
  });

  it('rejects nonzero weight zero points, −128 weights and weights quantized along the wrong dimension', () => {
    expect(rules(fc('i8[2,4] q(axis=0, [0.25, 0.125], [0, 3]) [1, -2, 3, -4, 127, -127, 0, 5]', B))).toEqual(['weight-zero-point']);
    const low = quantizationProblems(fc('i8[2,4] q(axis=0, [0.25, 0.125], [0, 0]) [-128, -2, 3, -4, 127, -128, 0, 5]', B));
    expect(low.map((p) => p.rule)).toEqual(['weight-range']);
    expect(low[0].message).toContain('weights hold −128 (2 values)');
    // Along dimension 1 (the input features): TFLite's FULLY_CONNECTED reads scales per output row.
    const axis1 = fc('i8[2,4] q(axis=1, [0.25, 0.25, 0.25, 0.25], [0, 0, 0, 0]) [1, -2, 3, -4, 127, -127, 0, 5]', 'i32[2] q(0.125, 0) [1, 2]');
    expect(collectProblems(axis1)).toEqual([]);
    expect(rules(axis1)).toEqual(['weight-axis']);
  });

  it('rejects float weights under int8 input, and biases of the wrong type, without params or off zero', () => {
    expect(rules(fc('f32[2,4] [1, 2, 3, 4, 5, 6, 7, 8]', B))).toEqual(['weight-type']);
    expect(rules(fc(W, 'f32[2] [0.5, 1]'))).toEqual(['bias-type']);
    expect(rules(fc(W, 'i32[2] [10, 20]'))).toEqual(['bias-type']);
    expect(rules(fc(W, 'i32[2] q(axis=0, [0.125, 0.0625], [0, 2]) [10, -20]'))).toEqual(['bias-zero-point']);
  });

  it('checks hybrid weights (float input, int8 weights) but not their float bias', () => {
    const hybrid = (zp: number) =>
      parse(`graph @h(%x: f32[1,4]) {
  %w = const i8[2,4] q(axis=0, [0.25, 0.125], [0, ${zp}]) [1, -2, 3, -4, 127, -127, 0, 5]
  %b = const f32[2] [0.5, -1]
  %y = fully_connected(%x, %w, %b)
  return %y
}`);
    expect(rules(hybrid(0))).toEqual([]);
    expect(rules(hybrid(1))).toEqual(['weight-zero-point']);
  });

  it('reads depthwise channels along dimension 3, for the weights and the bias', () => {
    const dw = (axis: number, scales: string, bias: string) =>
      parse(`graph @dw(%x: i8[1,3,3,2] q(0.5, 0)) {
  %w = const i8[1,1,1,2] q(axis=${axis}, ${scales}) [3, -4]
  %b = const i32[2] q(axis=0, ${bias}, [0, 0]) [1, 1]
  %y = depthwise_conv_2d(%x, %w, %b) {padding = "valid"} : i8[1,3,3,2] q(1, 0)
  return %y
}`);
    expect(rules(dw(3, '[0.25, 0.125], [0, 0]', '[0.125, 0.0625]'))).toEqual([]);
    expect(rules(dw(3, '[0.25, 0.125], [0, 0]', '[0.125, 0.125]'))).toEqual(['bias-scale']);
  });

  it('exports the bias rule for a bias held outside the graph (a file\'s zero bias, dropped by the reader)', () => {
    const g = fc(W, B);
    const op = g.ops[0] as Op<'fully_connected'>;
    expect(biasProblems(op, { dtype: 'int32', shape: [2], quant: { scale: [0.125, 0.0625], zeroPoint: [0, 0], axis: 0 } })).toEqual([]);
    expect(biasProblems(op, { dtype: 'int32', shape: [2], quant: { scale: [0.125, 0.5], zeroPoint: [0, 0], axis: 0 } }).map((p) => p.rule)).toEqual(['bias-scale']);
  });
});

describe('quantizationProblems: activations, same-scale and fixed-scale ops', () => {
  it('requires integer activations to carry per-tensor parameters', () => {
    const g = parse(`graph @g(%x: i8[1,4]) {
  %y = relu(%x) : i8[1,4] q(axis=1, [1, 1, 1, 1], [0, 0, 0, 0])
  return %y
}`);
    const problems = quantizationProblems(g);
    expect(problems.map((p) => p.rule)).toEqual(['activation-params', 'activation-params']);
    expect(problems[0].message).toContain('operand 0 (int8) has no quantization parameters');
    expect(problems[1].message).toContain('result is quantized along axis 1');
  });

  it('requires a same-scale op to keep its input\'s scale and zero point', () => {
    const pool = (out: string) =>
      parse(`graph @p(%x: i8[1,4,4,1] q(0.5, -3)) {
  %y = max_pool_2d(%x) {filter_h = 2, filter_w = 2, padding = "valid", stride_h = 2, stride_w = 2} : i8[1,2,2,1] ${out}
  %z = reshape(%y) {new_shape = [1, 4]} : i8[1,4] q(0.5, -3)
  return %z
}`);
    expect(rules(pool('q(0.5, -3)'))).toEqual([]);
    const problems = quantizationProblems(pool('q(0.5, -2)'));
    // The pool's result differs from its input; the reshape then differs from the pool's result.
    expect(problems.map((p) => [p.rule, p.op?.kind])).toEqual([
      ['same-scale', 'max_pool_2d'],
      ['same-scale', 'reshape'],
    ]);
    expect(problems[0].message).toBe(
      "'max_pool_2d' op result has q(0.5, -2), its input q(0.5, -3): a max_pool_2d passes int8 values through, so its input and result must share one scale and zero point; requantize the result",
    );
  });

  it('requires every input of a concatenation (and of minimum) to share the result\'s parameters', () => {
    const cat = (b: string, op = 'concatenation(%a, %b) {axis = 1}') =>
      parse(`graph @c(%a: i8[1,2] q(0.5, 0), %b: i8[1,2] ${b}) {
  %y = ${op} : i8[1,${op.startsWith('concat') ? 4 : 2}] q(0.5, 0)
  return %y
}`);
    expect(rules(cat('q(0.5, 0)'))).toEqual([]);
    const problems = quantizationProblems(cat('q(0.25, 0)'));
    expect(problems.map((p) => p.rule)).toEqual(['same-scale']);
    expect(problems[0].message).toContain('input 1 q(0.25, 0)');
    expect(rules(cat('q(0.25, 0)', 'minimum(%a, %b)'))).toEqual(['same-scale']);
    // add requantizes: any parameters go.
    expect(rules(cat('q(0.25, 0)', 'add(%a, %b)'))).toEqual([]);
  });

  it('fixes softmax and logistic at (1/256, −128) and tanh at (1/128, 0) for int8, shifted by 128 for uint8', () => {
    const unary = (op: string, out: string) =>
      parse(`graph @u(%x: ${out.startsWith('u8') ? 'u8' : 'i8'}[1,4] q(0.1, 0)) {
  %y = ${op}(%x) : ${out}
  return %y
}`);
    expect(rules(unary('softmax', 'i8[1,4] q(0.00390625, -128)'))).toEqual([]);
    expect(rules(unary('logistic', 'i8[1,4] q(0.00390625, -128)'))).toEqual([]);
    expect(rules(unary('tanh', 'i8[1,4] q(0.0078125, 0)'))).toEqual([]);
    expect(rules(unary('logistic', 'u8[1,4] q(0.00390625, 0)'))).toEqual([]);
    expect(rules(unary('softmax', 'i8[1,4] q(0.00390625, 0)'))).toEqual(['fixed-scale']);
    expect(rules(unary('tanh', 'i8[1,4] q(0.00390625, -128)'))).toEqual(['fixed-scale']);
    const msg = quantizationProblems(unary('softmax', 'i8[1,4] q(0.004, -128)'))[0].message;
    expect(msg).toBe("'softmax' op result has q(0.004, -128): TFLite's int8 softmax writes q(0.00390625, -128); give the result those parameters");
  });
});

describe('quantizationProblems: values, conversions and ops without integer kernels', () => {
  it('keeps zero points inside the dtype\'s range, reporting each value once', () => {
    const g = parse(`graph @z(%x: i8[1,4] q(0.5, 128)) {
  %y = relu(%x) : i8[1,4] q(0.5, 0)
  %z = relu(%x) : i8[1,4] q(0.5, 0)
  %u = quantize(%z) : u8[1,4] q(0.5, -1)
  return %y, %u
}`);
    const problems = quantizationProblems(g);
    expect(problems.map((p) => p.rule)).toEqual(['zero-point-range', 'zero-point-range']);
    expect(problems[0].message).toBe("input 'x' has zero point 128, outside int8 [-128, 127]: a zero point is a value of the tensor's type; recompute the parameters");
    expect(problems[1].message).toContain("'quantize' op result has zero point -1, outside uint8 [0, 255]");
  });

  it('accepts the conversions TFLite performs and rejects the others', () => {
    const conv = (x: string, op: string, y: string) =>
      parse(`graph @q(%x: ${x}) {
  %y = ${op}(%x) : ${y}
  return %y
}`);
    expect(rules(conv('f32[4]', 'quantize', 'i8[4] q(0.5, 1)'))).toEqual([]);
    expect(rules(conv('i8[4] q(0.5, 1)', 'quantize', 'u8[4] q(0.5, 129)'))).toEqual([]);
    expect(rules(conv('u8[4] q(0.5, 129)', 'dequantize', 'f32[4]'))).toEqual([]);
    expect(rules(conv('f32[4]', 'quantize', 'i32[4] q(0.5, 0)'))).toEqual(['quantize-types']);
    expect(rules(conv('i32[4] q(0.5, 0)', 'dequantize', 'f32[4]'))).toEqual(['quantize-types']);
    expect(rules(conv('f32[4]', 'quantize', 'i8[4]'))).toEqual(['activation-params']);
    expect(rules(conv('i8[4]', 'dequantize', 'f32[4]'))).toEqual(['activation-params']);
  });

  it('rejects integer tensors on an op the table declares unsupported, and says why', () => {
    const g = parse(`graph @d(%a: i8[4] q(0.5, 0), %b: i8[4] q(0.5, 0)) {
  %y = div(%a, %b) : i8[4] q(0.5, 0) loc("truediv")
  return %y
}`);
    const problems = quantizationProblems(g);
    expect(problems.map((p) => p.rule)).toEqual(['int8-kernel']);
    expect(problems[0].message).toBe("'div' op (from 'truediv') has int8 operands, but TFLite has no int8 DIV kernel: keep it float (float-fallback wraps it in dequantize/quantize)");
  });

  it('finds nothing in a float graph, even one with ops that have no integer kernel', () => {
    const g = parse(`graph @f(%a: f32[4], %b: f32[4]) {
  %y = div(%a, %b)
  %z = identity(%y)
  return %z
}`);
    expect(quantizationProblems(g)).toEqual([]);
  });
});
