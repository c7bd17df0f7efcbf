import { describe, expect, it } from 'vitest';
import { constant, Graph, OctetError, parse, print, type AnyOp, type TensorType, type TypedArray, type Value } from '@octet/ir';
import { fastKernels, floatKernels, int8Kernels, Interpreter, interpret, InterpreterError, referenceKernels, type Kernel } from '../src/index.ts';
import { kernelTables } from '../src/interpreter.ts';

const f32 = (shape: number[]): TensorType => ({ dtype: 'float32', shape });

/**
 * x: f32[1,2,2,1] ─ conv_2d (1x1, w = 2, b = 1) ─ relu ─┬─ out 'y'
 * q: i8[2] q(0.5, 3) ─ dequantize ─────────────────────┴─ out (unnamed)
 */
function twoInputGraph(): Graph {
  const g = new Graph('two');
  const x = g.addInput('x', f32([1, 2, 2, 1]));
  const q = g.addInput('q', { dtype: 'int8', shape: [2], quant: { scale: [0.5], zeroPoint: [3] } });
  const conv = g.add('conv_2d', [x, constant(f32([1, 1, 1, 1]), new Float32Array([2]), 'w'), constant(f32([1]), new Float32Array([1]), 'b')], { padding: 'valid' });
  const y = g.add('relu', [conv], {}, { names: ['y'] });
  const d = g.add('dequantize', [q], {});
  g.outputs.push(y, d);
  return g;
}

describe('Interpreter details (TFLite Python API shape)', () => {
  it('numbers tensors inputs, constants, then op results, and describes inputs and outputs', () => {
    const it = new Interpreter(twoInputGraph());
    it.allocateTensors();
    const inputs = it.getInputDetails();
    expect(inputs.map((d) => [d.name, d.index, d.dtype, d.shape])).toEqual([
      ['x', 0, 'float32', [1, 2, 2, 1]],
      ['q', 1, 'int8', [2]],
    ]);
    expect(inputs[0].quantization).toEqual({ scale: 0, zeroPoint: 0 });
    expect(inputs[0].quantizationParameters.scales).toEqual(new Float32Array(0));
    expect(inputs[0].quantizationParameters.zeroPoints).toEqual(new Int32Array(0));
    expect(inputs[1].quantization).toEqual({ scale: 0.5, zeroPoint: 3 });
    expect(inputs[1].quantizationParameters).toEqual({ scales: new Float32Array([0.5]), zeroPoints: new Int32Array([3]), quantizedDimension: 0 });
    expect(inputs[0].shapeSignature).toEqual([1, 2, 2, 1]);
    // tensors: x 0, q 1, w 2, b 3, conv 4, y 5, dequantize 6
    expect(it.getOutputDetails().map((d) => [d.name, d.index, d.dtype, d.shape])).toEqual([
      ['y', 5, 'float32', [1, 2, 2, 1]],
      ['tensor_6', 6, 'float32', [2]],
    ]);
    expect(it.getTensorDetails().map((d) => d.name)).toEqual(['x', 'q', 'w', 'b', 'tensor_4', 'y', 'tensor_6']);
  });

  it('reports per-axis parameters with quantization (0, 0), as TFLite does', () => {
    const g = new Graph('pa');
    const w = g.addInput('w', { dtype: 'int8', shape: [2, 3], quant: { scale: [0.25, 0.125], zeroPoint: [0, 0], axis: 0 } });
    g.outputs.push(g.add('dequantize', [w], {}));
    const [d] = new Interpreter(g).getInputDetails();
    expect(d.quantization).toEqual({ scale: 0, zeroPoint: 0 });
    expect(d.quantizationParameters).toEqual({ scales: new Float32Array([0.25, 0.125]), zeroPoints: new Int32Array([0, 0]), quantizedDimension: 0 });
  });

  it('stores scales as float32, as a .tflite file does', () => {
    const g = new Graph('s');
    const q = g.addInput('q', { dtype: 'uint8', shape: [1], quant: { scale: [0.1], zeroPoint: [128] } });
    g.outputs.push(g.add('dequantize', [q], {}));
    expect(new Interpreter(g).getInputDetails()[0].quantization.scale).toBe(Math.fround(0.1));
  });
});

describe('setTensor / invoke / getTensor / run', () => {
  it('computes conv → relu and dequantize on set inputs', () => {
    const it = new Interpreter(twoInputGraph());
    it.setTensor(0, new Float32Array([1, -1, 0.5, -0.25]));
    it.setTensor(1, new Int8Array([3, -5]));
    it.invoke();
    // relu(2x + 1) and 0.5·(q − 3)
    expect(it.getTensor(5)).toEqual(new Float32Array([3, 0, 2, 0.5]));
    expect(it.getTensor(6)).toEqual(new Float32Array([0, -4]));
    expect(it.getTensor(4)).toEqual(new Float32Array([3, -1, 2, 0.5])); // the conv before relu
    expect(it.getTensor(2)).toEqual(new Float32Array([2])); // a constant
  });

  it('runs with inputs by position or by name and returns fresh copies each time', () => {
    const it = new Interpreter(twoInputGraph());
    const first = it.run([new Float32Array([1, 1, 1, 1]), new Int8Array([5, 5])]);
    const second = it.run({ q: new Int8Array([1, 3]), x: new Float32Array([0, 0, 0, -1]) });
    expect(first).toEqual([new Float32Array([3, 3, 3, 3]), new Float32Array([1, 1])]);
    expect(second).toEqual([new Float32Array([1, 1, 1, 0]), new Float32Array([-1, 0])]);
    // getTensor returns a copy: writing to it does not change the interpreter
    it.getTensor(5)[0] = 42;
    expect(it.getTensor(5)[0]).toBe(1);
  });

  it('interpret() runs a graph once', () => {
    expect(interpret(twoInputGraph(), [new Float32Array([2, 0, -2, 1]), new Int8Array([4, 2])])).toEqual([
      new Float32Array([5, 1, 0, 3]),
      new Float32Array([0.5, -0.5]),
    ]);
  });

  it('reuses its buffers across invokes (preallocated once)', () => {
    const it = new Interpreter(twoInputGraph());
    const seen: TypedArray[] = [];
    for (let k = 0; k < 3; k++) it.invoke({ observe: (v, data) => v.name === 'y' && seen.push(data) });
    expect(seen).toHaveLength(3);
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).toBe(seen[0]);
  });
});

describe('input validation', () => {
  const it0 = () => new Interpreter(twoInputGraph());

  it('names the input, the expected dtype and length, and what was given', () => {
    expect(() => it0().setTensor(0, new Float64Array(4) as unknown as TypedArray)).toThrow(
      "input 'x' (tensor 0) expects float32[1,2,2,1] (a Float32Array of 4 elements), got a Float64Array of 4 elements: convert the data to a Float32Array",
    );
    expect(() => it0().setTensor(0, new Float32Array(5))).toThrow(
      "input 'x' (tensor 0) expects float32[1,2,2,1] (a Float32Array of 4 elements), got a Float32Array of 5 elements: give exactly 4 elements",
    );
    expect(() => it0().setTensor(1, new Uint8Array(2))).toThrow(/input 'q' \(tensor 1\) expects int8\[2\] \(a Int8Array of 2 elements\), got a Uint8Array of 2 elements/);
    expect(() => it0().setTensor(0, [1, 2, 3, 4] as unknown as TypedArray)).toThrow(/got an Array of 4 elements/);
  });

  it('refuses to set a tensor that is not an input, listing the inputs', () => {
    expect(() => it0().setTensor(5, new Float32Array(4))).toThrow("tensor 5 is not an input of graph @two: set one of its inputs, 0 ('x'), 1 ('q')");
    expect(() => it0().getTensor(7)).toThrow('tensor 7 does not exist in graph @two: indices run from 0 to 6');
  });

  it('checks run() inputs by count and by name', () => {
    expect(() => it0().run([new Float32Array(4)])).toThrow("graph @two takes 2 inputs ('x', 'q'), got 1 arrays: pass one array per input, in order");
    expect(() => it0().run({ x: new Float32Array(4) })).toThrow("input 'q' of graph @two is missing: it takes 2 inputs ('x', 'q')");
    expect(() => it0().run({ x: new Float32Array(4), q: new Int8Array(2), z: new Float32Array(1) })).toThrow("graph @two has no input 'z'");
  });

  it('throws OctetErrors', () => {
    try {
      it0().setTensor(0, new Float32Array(1));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InterpreterError);
      expect(e).toBeInstanceOf(OctetError);
    }
  });
});

describe('observing every value', () => {
  it('sees the inputs, then each result with its op, in graph order, at each invoke', () => {
    const seen: [string, string | undefined, number[]][] = [];
    const onValue = (v: Value, data: TypedArray, op: AnyOp | undefined) => seen.push([v.name ?? '-', op?.kind, [...(data as Float32Array)]]);
    const it = new Interpreter(twoInputGraph(), { onValue });
    const perInvoke: string[] = [];
    it.setTensor(0, new Float32Array([1, 2, 3, -4]));
    it.invoke({ observe: (v, _, op) => perInvoke.push(`${op?.kind ?? 'input'}:${v.name ?? '-'}`) });
    expect(perInvoke).toEqual(['input:x', 'input:q', 'conv_2d:-', 'relu:y', 'dequantize:-']);
    expect(seen.map(([n, k]) => `${k ?? 'input'}:${n}`)).toEqual(perInvoke);
    expect(seen[2][2]).toEqual([3, 5, 7, -7]);
    expect(seen[3][2]).toEqual([3, 5, 7, 0]);
    it.invoke();
    expect(seen).toHaveLength(10);
  });
});

describe('kernel selection', () => {
  it('refuses an int8 operand in a float kernel, naming the op, the operand and the dtype', () => {
    // (a float32 conv_2d with int8 weights is the hybrid kernel, in the int8 family: see hybrid.test.ts)
    const g = new Graph('mixed');
    const x = g.addInput('x', f32([2]));
    const b = constant({ dtype: 'int8', shape: [2], quant: { scale: [0.1], zeroPoint: [0] } }, new Int8Array([5, 6]));
    g.outputs.push(g.add('add', [x, b], {}, { loc: 'add_1' }));
    expect(() => new Interpreter(g)).toThrow(
      "'add' op (from 'add_1') has no float kernel for int8 operand 'b' (it computes float32): quantize or dequantize the graph consistently, or use a kernel table for int8",
    );
  });

  it('says which int8 kernels do not exist', () => {
    const g = new Graph('q');
    const x = g.addInput('x', { dtype: 'int8', shape: [4], quant: { scale: [1], zeroPoint: [0] } });
    g.outputs.push(g.add('identity', [x], {}));
    expect(() => new Interpreter(g)).toThrow(/^'identity' op has no int8 kernel for int8 operands: IR-only op on integer tensors/);
  });

  it('refuses float16 in a float32 kernel instead of reading half bits as numbers', () => {
    const g = new Graph('h');
    const x = g.addInput('x', { dtype: 'float16', shape: [2] });
    g.outputs.push(g.add('relu', [x], {}));
    expect(() => new Interpreter(g)).toThrow("'relu' op has no float kernel for float16 operand 'input' (it computes float32)");
  });

  it('refuses dtypes no family handles', () => {
    const g = new Graph('b');
    const x = g.addInput('x', { dtype: 'bool', shape: [2] });
    g.outputs.push(g.add('identity', [x], {}));
    expect(() => new Interpreter(g)).toThrow("'identity' op has no kernel for bool operands");
  });

  it('takes kernel overrides per family and per op, and gives kernels the arithmetic mode', () => {
    const g = new Graph('o');
    const x = g.addInput('x', f32([3]));
    g.outputs.push(g.add('relu', [g.add('relu6', [x], {})], {}));
    const modes: string[] = [];
    const tenfold: Kernel<'relu'> = (_op, ctx) => {
      modes.push(ctx.arithmetic);
      return ([a], [b]) => (b as Float32Array).set((a as Float32Array).map((v) => 10 * v));
    };
    const input = new Float32Array([-1, 2, 9]);
    expect(interpret(g, [input], { kernels: { float: { relu: tenfold } } })).toEqual([new Float32Array([0, 20, 60])]);
    expect(interpret(g, [input], { kernels: { float: { relu: tenfold } }, arithmetic: 'reference' })).toEqual([new Float32Array([0, 20, 60])]);
    expect(modes).toEqual(['xnnpack', 'reference']);
    expect(interpret(g, [input])).toEqual([new Float32Array([0, 2, 6])]);
  });

  it('runs the fast kernels by default, the reference ones alone when asked, overrides over the default', () => {
    const fastEntries = (['float', 'int8'] as const).flatMap((f) => Object.keys(fastKernels[f]).map((k) => [f, k] as const));
    expect(fastEntries.length).toBeGreaterThan(0);
    const defaults = kernelTables();
    const reference = kernelTables('reference');
    for (const [f, k] of fastEntries) {
      const fast = (fastKernels[f] as Record<string, unknown>)[k];
      expect(defaults[f][k as 'conv_2d'], `${f} ${k}`).toBe(fast);
      expect(kernelTables('fast')[f][k as 'conv_2d']).toBe(fast);
      expect(reference[f][k as 'conv_2d']).toBe((f === 'float' ? floatKernels : int8Kernels)[k as 'conv_2d']);
    }
    expect(reference).toEqual(referenceKernels);
    // an override replaces its entry and leaves the other fast ones
    const mine: Kernel<'conv_2d'> = () => () => {};
    const over = kernelTables({ float: { conv_2d: mine } });
    expect(over.float.conv_2d).toBe(mine);
    expect(over.float.fully_connected).toBe(fastKernels.float.fully_connected);
    expect(over.int8.conv_2d).toBe(fastKernels.int8.conv_2d);
    expect(defaults.float.relu).toBe(floatKernels.relu);
    expect(() => new Interpreter(new Graph('k'), { kernels: 'wasm' as never })).toThrow("unknown kernels 'wasm': use 'fast' (the default), 'reference', or kernel tables per family");
  });

  it('refuses constants without data (read from elided IR text)', () => {
    const g = new Graph('e');
    const x = g.addInput('x', f32([1, 100]));
    g.outputs.push(g.add('fully_connected', [x, constant(f32([1, 100]), new Float32Array(100), 'w')], {}));
    const elided = parse(print(g));
    expect(() => new Interpreter(elided)).toThrow("constant 'w' has no data (read back from elided IR text): print the graph with all constants to run it");
  });

  it('refuses a graph whose op reads a value computed later', () => {
    const g = new Graph('order');
    const x = g.addInput('x', f32([2]));
    const a = g.add('relu', [x], {});
    const b = g.add('tanh', [a], {});
    g.ops.reverse();
    g.outputs.push(b);
    expect(() => new Interpreter(g)).toThrow("'tanh' op reads a value that no earlier op computes: sort the graph topologically");
  });
});
