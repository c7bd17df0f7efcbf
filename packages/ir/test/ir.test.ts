import { describe, expect, it } from 'vitest';
import {
  broadcastShapes,
  constant,
  DiagnosticError,
  floatToHalf,
  Graph,
  halfToFloat,
  IrError,
  IrParseError,
  parse,
  print,
  sourcePosition,
  verify,
  windowOutputSize,
  windowPadBefore,
} from '../src/index.ts';

const f32 = (shape: number[]) => ({ dtype: 'float32' as const, shape });

describe('shape rules (TFLite)', () => {
  it('computes SAME and VALID output sizes and the padding split', () => {
    // 28 wide, 3x3, stride 1: VALID → 26, SAME → 28 with one pixel before
    expect(windowOutputSize(28, 3, 1, 1, 'valid')).toBe(26);
    expect(windowOutputSize(28, 3, 1, 1, 'same')).toBe(28);
    expect(windowPadBefore(28, 3, 1, 1, 'same')).toBe(1);
    // stride 2 on an even input: total padding 1, all of it after (TFLite puts the odd pixel after)
    expect(windowOutputSize(224, 3, 2, 1, 'same')).toBe(112);
    expect(windowPadBefore(224, 3, 2, 1, 'same')).toBe(0);
    // dilation 2 makes a 3x3 window span 5
    expect(windowOutputSize(10, 3, 1, 2, 'valid')).toBe(6);
  });

  it('broadcasts like NumPy and names the offending dimension', () => {
    expect(broadcastShapes([1, 4, 4, 3], [3])).toEqual([1, 4, 4, 3]);
    expect(broadcastShapes([2, 1], [1, 5])).toEqual([2, 5]);
    expect(() => broadcastShapes([2, 3], [4])).toThrow(/dimension 1: 3 vs 4/);
  });
});

describe('float16', () => {
  it('converts exactly on representable values and rounds to nearest even otherwise', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even → 1
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00);
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    for (let h = 0; h < 0x7c00; h += 37) expect(floatToHalf(halfToFloat(h))).toBe(h);
  });
});

describe('builder and verifier', () => {
  it('infers result shapes from the registry', () => {
    const g = new Graph('m');
    const x = g.addInput('x', f32([1, 28, 28]));
    const r = g.add('reshape', [x], { new_shape: [1, 28, 28, 1] });
    const w = constant(f32([12, 3, 3, 1]), new Float32Array(108));
    const c = g.add('conv_2d', [r, w], { padding: 'valid' });
    expect(c.type.shape).toEqual([1, 26, 26, 12]);
    const p = g.add('max_pool_2d', [c], { padding: 'valid', filter_h: 2, filter_w: 2, stride_h: 2, stride_w: 2 });
    expect(p.type.shape).toEqual([1, 13, 13, 12]);
    const fc = g.add('fully_connected', [p, constant(f32([10, 2028]), new Float32Array(20280))], {});
    expect(fc.type.shape).toEqual([1, 10]);
    g.outputs.push(fc);
    expect(() => verify(g)).not.toThrow();
  });

  it('rejects a bad operand with the op and the fix', () => {
    const g = new Graph('m');
    const x = g.addInput('x', f32([1, 8, 8, 3]));
    const w = constant(f32([4, 3, 3, 2]), new Float32Array(72));
    expect(() => g.add('conv_2d', [x, w], { padding: 'same' }, { loc: 'conv2d_1' })).toThrow(
      "'conv_2d' op (from 'conv2d_1'): filter [4,3,3,2] expects 2 input channels, input [1,8,8,3] has 3",
    );
    expect(() => g.add('conv_2d', [x], { padding: 'same', stride: 2 } as never)).toThrow(/has no attribute 'stride'.*known attributes are/);
  });

  it('reports every problem at once, each attached to its op', () => {
    const g = parse(`graph @g(%x: f32[1,4]) {
  %a = relu(%x) : f32[1,4]
  %b = relu6(%a) : f32[1,4]
  return %b
}`);
    // Corrupt two ops by hand: shapes no longer match what their operands give.
    g.ops[0].outputs[0].type = f32([1, 5]);
    g.ops[1].outputs[0].type = { dtype: 'int8', shape: [1, 5] };
    let err: unknown;
    try {
      verify(g);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DiagnosticError);
    const ds = (err as DiagnosticError).diagnostics;
    expect(ds.map((d) => d.op?.kind)).toEqual(['relu', 'relu6']);
    expect(ds[0].message).toBe("'relu' op result 0 has shape [1,5], its operands give [1,4]");
    expect(ds[1].message).toBe("'relu6' op result 0 has dtype int8, its operands give float32");
    expect(sourcePosition(ds[1].op!)).toEqual({ line: 3, column: 3 });
  });

  it('checks quantization parameters against the shape', () => {
    const g = new Graph('q');
    const x = g.addInput('x', { dtype: 'int8', shape: [2, 3], quant: { scale: [0.1, 0.2], zeroPoint: [0, 0], axis: 1 } });
    g.outputs.push(x);
    expect(() => verify(g)).toThrow("input 'x' has 2 scales along axis 1 of size 3");
  });
});

describe('text form', () => {
  const text = `graph @t(%x: f32[1,4,4,2], %"in:1": i8[1,2] q(0.5, -3)) {
  %0 = const f32[2] [0.1, -0]
  %w = const i8[2,1,1,2] q(axis=0, [0.25, 0.125], [0, 0]) [1, -2, 3, 127]
  %h = const f16[2] [0.5, -65504]
  %1 = add(%x, %0) {fused_activation = "relu6"} : f32[1,4,4,2] loc("add/1")
  %2 = mean(%1) {axes = [1, 2], keep_dims = true} : f32[1,1,1,2]
  %3 = dequantize(%w) : f32[2,1,1,2]
  %4 = dequantize(%h) : f32[2]
  return %2, %"in:1", %3, %4
}
`;

  it('prints what it parses, byte for byte', () => {
    expect(print(parse(text))).toBe(text);
  });

  it('keeps constants exact: float32 shortest form, −0, float16 bits, per-axis params', () => {
    const g = parse(text);
    const [c0, w, h] = g.constants();
    expect(Array.from(c0.data as Float32Array)).toEqual([Math.fround(0.1), -0]);
    expect(Object.is((c0.data as Float32Array)[1], -0)).toBe(true);
    expect(w.type.quant).toEqual({ scale: [0.25, 0.125], zeroPoint: [0, 0], axis: 0 });
    expect(Array.from(h.data as Uint16Array)).toEqual([0x3800, 0xfbff]);
  });

  it('elides large constants by content hash and reads the elided form back', () => {
    const g = new Graph('big');
    const x = g.addInput('x', f32([1, 100]));
    const data = new Float32Array(100).map((_, i) => i);
    g.outputs.push(g.add('add', [x, constant(f32([1, 100]), data)], {}));
    const short = print(g);
    expect(short).toMatch(/const f32\[1,100\] elided<[0-9a-f]{16}>/);
    expect(print(parse(short))).toBe(short);
    data[7] = -1; // a different content gives a different hash
    expect(print(g)).not.toBe(short);
    expect(print(g, { elideConstantsAbove: Infinity })).toContain('[0, 1, 2, 3, 4, 5, 6, -1, 8');
  });

  it('infers result types left out by hand and checks those written', () => {
    const g = parse('graph @g(%x: f32[2,3]) {\n  %y = transpose(%x) {perm = [1, 0]}\n  return %y\n}');
    expect(g.outputs[0].type.shape).toEqual([3, 2]);
    expect(() => parse('graph @g(%x: f32[2,3]) {\n  %y = transpose(%x) {perm = [1, 0]} : f32[2,3]\n  return %y\n}')).toThrow(
      "2:8: 'transpose' op result is declared float32[2,3] but its operands give float32[3,2]",
    );
  });

  const bad: [string, string][] = [
    ['graph @g(%x: f32[1]) {\n  %y = relu(%z)\n  return %y\n}', '2:13: use of undefined value %z'],
    ['graph @g(%x: f32[1]) {\n  %y = relu(%x) {alpha = 1}\n  return %y\n}', "2:8: 'relu' op has no attribute 'alpha': known attributes are (none)"],
    ['graph @g(%x: f32[1]) {\n  %y = relu(%x, %x)\n  return %y\n}', "2:8: 'relu' op takes 1 operands (input), got 2"],
    ['graph @g(%x: q32[1]) {\n  return %x\n}', "1:14: unknown element type 'q32': use f32, f16, i32, i16, i8, u8, i64 or bool"],
    ['graph @g(%x: f32[2]) {\n  %c = const f32[2] [1]\n  return %c\n}', '2:21: constant float32[2] needs 2 elements, got 1'],
    ['graph @g(%x: f32[2]) {\n  %x = relu(%x)\n  return %x\n}', '2:3: value %x is defined twice'],
    ['graph @g(%x: f32[2]) {\n  %y = relu(%x)\n', "3:1: expected 'return' and '}' to close graph @g"],
    ['graph @g(%x: f32[2]) {\n  %y = pad(%x) {paddings = [1, 1, 1]}\n  return %y\n}', "2:8: 'pad' op: paddings needs 2 entries for rank 1, got 3"],
  ];
  it.each(bad)('reports malformed text with line and column: %#', (src, message) => {
    let err: unknown;
    try {
      parse(src);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IrParseError);
    expect((err as Error).message).toBe(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('throws IrError subclasses only', () => {
    expect(IrParseError.prototype).toBeInstanceOf(Error);
    expect(new IrError('x').name).toBe('IrError');
  });
});
