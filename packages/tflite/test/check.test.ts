import { fileURLToPath } from 'node:url';
import { Converter } from '@octet/converter';
import { constant, Graph, OctetError, type QuantParams, type TensorType, type Value } from '@octet/ir';
import fc from 'fast-check';
import { arbGraph } from '@octet/testing';
import { describe, expect, it } from 'vitest';
import { assertValidFile, checkFile, emit, inspect, InvalidTfliteError, TfliteFormatError, type FileProblem } from '../src/index.ts';
import { Model, TensorType as TT } from '../src/generated/tflite.ts';
import { buildFixture, f32bytes } from './fixtures.ts';
import { mnistGraph } from './helpers.ts';

const rules = (problems: FileProblem[]) => problems.map((p) => p.rule);

const perAxis = (scale: number[], axis = 0): QuantParams => ({ scale: scale.map(Math.fround), zeroPoint: scale.map(() => 0), axis });
const perTensor = (scale: number, zeroPoint: number): QuantParams => ({ scale: [Math.fround(scale)], zeroPoint: [zeroPoint] });
const i8 = (shape: number[], quant: QuantParams): TensorType => ({ dtype: 'int8', shape, quant });

/** int8 weights of `shape` with values in [−127, 127] (every one used), quantized per `quant`. */
function int8Weights(shape: number[], quant: QuantParams, name: string): Value {
  const n = shape.reduce((a, b) => a * b, 1);
  return constant({ dtype: 'int8', shape, quant }, Int8Array.from({ length: n }, (_, i) => ((i * 37) % 255) - 127), name);
}

/** The int32 bias TFLite's spec asks for: scale fl(s_in · s_w[c]), zero point 0. */
function int32Bias(inputScale: number, weights: QuantParams, values: number[], name: string): Value {
  const scale = weights.scale.map((s) => Math.fround(Math.fround(inputScale) * s));
  return constant({ dtype: 'int32', shape: [values.length], quant: { scale, zeroPoint: scale.map(() => 0), axis: 0 } }, Int32Array.from(values), name);
}

interface Options {
  /** Leave the conv without a bias: the emitter then writes its zero bias. */
  convBias?: boolean;
  /** The quantize's output scale (the conv's input scale). */
  inputScale?: number;
  /** The conv's four per-channel weight scales. */
  convScales?: number[];
}

/**
 * A small int8 classifier, quantized by hand as TensorFlow's converter would:
 * quantize → conv_2d (per-channel weights, int32 bias) → max_pool_2d → reshape → fully_connected →
 * softmax (1/256, −128) → dequantize. Scales are not powers of two, so bias scales are real products.
 */
function int8Graph(opts: Options = {}): Graph {
  const g = new Graph('int8');
  const x = g.addInput('input', { dtype: 'float32', shape: [1, 4, 4, 1] });
  const sIn = opts.inputScale ?? 0.0392157;
  const q = g.add('quantize', [x], {}, { types: [i8([1, 4, 4, 1], perTensor(sIn, -3))], names: ['quantize'] });
  const wq = perAxis(opts.convScales ?? [0.0123, 0.0071, 0.0309, 0.0047]);
  const convInputs = [q, int8Weights([4, 3, 3, 1], wq, 'conv/kernel')];
  if (opts.convBias !== false) convInputs.push(int32Bias(sIn, wq, [100, -200, 300, -400], 'conv/bias'));
  const sConv = 0.0215;
  const c = g.add('conv_2d', convInputs, { padding: 'same', fused_activation: 'relu' }, { types: [i8([1, 4, 4, 4], perTensor(sConv, -128))], names: ['conv'] });
  const p = g.add('max_pool_2d', [c], { padding: 'valid', filter_h: 2, filter_w: 2, stride_h: 2, stride_w: 2 }, { types: [i8([1, 2, 2, 4], perTensor(sConv, -128))], names: ['pool'] });
  const r = g.add('reshape', [p], { new_shape: [1, 16] }, { types: [i8([1, 16], perTensor(sConv, -128))], names: ['flatten'] });
  const fq = perAxis([0.0031, 0.0027, 0.0044]);
  const f = g.add('fully_connected', [r, int8Weights([3, 16], fq, 'dense/kernel'), int32Bias(sConv, fq, [7, -8, 9], 'dense/bias')], {}, { types: [i8([1, 3], perTensor(0.173, 12))], names: ['dense'] });
  const s = g.add('softmax', [f], {}, { types: [i8([1, 3], perTensor(1 / 256, -128))], names: ['softmax'] });
  const y = g.add('dequantize', [s], {}, { names: ['output'] });
  g.outputs.push(y);
  return g;
}

/** Operator `j` of the graph built by int8Graph, and the op in the IR. */
const CONV = 1;
const POOL = 2;
const DENSE = 4;

// ---- byte patches: locate a field through the generated accessors, then write it in place ----

function root(bytes: Uint8Array) {
  return Model.getRoot(bytes).subgraphs(0)!;
}

/** Byte position of a scalar field of a table (it must be present: a default value is not stored). */
function fieldPos(table: { bb: { __offset(pos: number, voffset: number): number }; bb_pos: number }, voffset: number): number {
  const o = table.bb.__offset(table.bb_pos, voffset);
  if (!o) throw new Error(`field ${voffset} is absent (default value): cannot patch it in place`);
  return table.bb_pos + o;
}

/** Byte position of the length word of a vector field. */
function vectorLengthPos(table: { bb: { __offset(pos: number, voffset: number): number; __vector(pos: number): number }; bb_pos: number }, voffset: number): number {
  return table.bb.__vector(fieldPos(table, voffset)) - 4;
}

function patch(bytes: Uint8Array, edit: (view: DataView, copy: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  edit(new DataView(copy.buffer), copy);
  return copy;
}

// Field voffsets of TFLite's schema: Operator.opcode_index 4, .inputs 6; Tensor.buffer 8, .quantization 12;
// QuantizationParameters.scale 8, .zero_point 10; Buffer.data 4.
const tensorOf = (bytes: Uint8Array, op: number, operand: number) => root(bytes).tensors(root(bytes).operators(op)!.inputs(operand))!;

describe('checkFile on a hand-quantized int8 graph', () => {
  const bytes = emit(int8Graph());
  const structure = inspect(bytes);

  it('accepts the sound file: nothing to report, and assertValidFile passes', () => {
    expect(structure.subgraphs[0].operators.map((o) => o.op)).toEqual(['QUANTIZE', 'CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX', 'DEQUANTIZE']);
    expect(checkFile(bytes)).toEqual([]);
    expect(() => assertValidFile(bytes)).not.toThrow();
  });

  it('rejects a bias scale off by a part in a thousand (bias-scale), naming the conv and the channel', () => {
    const g = int8Graph();
    const bias = g.ops[CONV].inputs[2].type.quant!;
    bias.scale[2] = Math.fround(bias.scale[2] * 1.001);
    const problems = checkFile(emit(g));
    expect(rules(problems)).toEqual(['bias-scale']);
    expect(problems[0].operator).toBe(CONV);
    expect(problems[0].message).toMatch(/^'conv_2d' op \(from 'conv'\) bias scale \S+ ≠ input scale × weight scale\[2\] = \S+: requantize the bias$/);
  });

  it('rejects weights with zero point 3 (weight-zero-point)', () => {
    const g = int8Graph();
    g.ops[CONV].inputs[1].type.quant!.zeroPoint[0] = 3;
    const problems = checkFile(emit(g));
    expect(rules(problems)).toEqual(['weight-zero-point']);
    expect(problems[0].operator).toBe(CONV);
  });

  it('rejects a same-scale op with two scales (same-scale): max_pool_2d reading 0.03, writing 0.0215', () => {
    const g = int8Graph();
    // The conv's result (the pool's input) takes another scale; the conv itself may write any.
    g.ops[CONV].outputs[0].type.quant!.scale[0] = Math.fround(0.03);
    const problems = checkFile(emit(g));
    expect(rules(problems)).toEqual(['same-scale']);
    expect(problems[0].operator).toBe(POOL);
  });

  it('rejects a per-axis array too short (per-axis-length): 3 scales and zero points for 4 channels', () => {
    const bad = patch(bytes, (view) => {
      const q = tensorOf(bytes, CONV, 1).quantization()!;
      for (const voffset of [8, 10]) {
        const at = vectorLengthPos(q, voffset);
        expect(view.getUint32(at, true)).toBe(4);
        view.setUint32(at, 3, true);
      }
    });
    expect(inspect(bad).subgraphs[0].tensors[structure.subgraphs[0].operators[CONV].inputs[1]].quantization!.scale).toHaveLength(3);
    const problems = checkFile(bad);
    expect(rules(problems)).toEqual(['per-axis-length']);
    expect(problems[0].tensor).toBe(structure.subgraphs[0].operators[CONV].inputs[1]);
  });

  it('rejects a tensor whose buffer index is out of range (buffer-index)', () => {
    const nbuf = structure.buffers.length;
    const bad = patch(bytes, (view) => view.setUint32(fieldPos(tensorOf(bytes, CONV, 2), 8), nbuf + 5, true));
    const problems = checkFile(bad);
    expect(rules(problems)).toEqual(['buffer-index']);
    expect(problems[0].message).toContain(`uses buffer ${nbuf + 5}, the file has ${nbuf}`);
  });

  it('rejects an operator whose opcode index is out of range (opcode-index)', () => {
    const ncodes = structure.operatorCodes.length;
    expect(structure.subgraphs[0].operators[CONV].opcodeIndex).toBeGreaterThan(0); // stored, so patchable in place
    const bad = patch(bytes, (view) => view.setUint32(fieldPos(root(bytes).operators(CONV)!, 4), ncodes + 3, true));
    const problems = checkFile(bad);
    expect(rules(problems)).toEqual(['opcode-index']);
    expect(problems[0].operator).toBe(CONV);
  });

  it('rejects an operand index out of range (tensor-index), and accepts −1 only as an absent operand', () => {
    const nt = structure.subgraphs[0].tensors.length;
    const operandPos = (op: number, k: number) => root(bytes).operators(op)!.bb.__vector(fieldPos(root(bytes).operators(op)!, 6)) + 4 * k;
    const bad = patch(bytes, (view) => view.setInt32(operandPos(DENSE, 1), nt, true));
    expect(rules(checkFile(bad))).toEqual(['tensor-index']);
    const negative = patch(bytes, (view) => view.setInt32(operandPos(DENSE, 0), -2, true));
    expect(rules(checkFile(negative))).toEqual(['tensor-index']);
  });

  it('rejects a constant whose buffer is shorter than its shape needs (buffer-size)', () => {
    const t = tensorOf(bytes, DENSE, 2); // int32[3]: 12 bytes
    const buffer = Model.getRoot(bytes).buffers(t.buffer())!;
    const bad = patch(bytes, (view) => {
      const at = vectorLengthPos(buffer, 4);
      expect(view.getUint32(at, true)).toBe(12);
      view.setUint32(at, 8, true);
    });
    const problems = checkFile(bad);
    expect(rules(problems)).toEqual(['buffer-size']);
    expect(problems[0].message).toContain('needs 12 bytes, its buffer');
  });

  it('rejects scales and zero points of different lengths (quant-lengths)', () => {
    const bad = patch(bytes, (view) => view.setUint32(vectorLengthPos(tensorOf(bytes, DENSE, 1).quantization()!, 10), 2, true));
    expect(rules(checkFile(bad))).toEqual(['quant-lengths']);
  });

  it('checks the zero bias the emitter writes for a conv without one, although the reader drops it', () => {
    const clean = emit(int8Graph({ convBias: false }));
    expect(inspect(clean).subgraphs[0].operators[CONV].inputs).toHaveLength(3);
    expect(checkFile(clean)).toEqual([]);
    const bad = patch(clean, (view) => {
      const q = tensorOf(clean, CONV, 2).quantization()!;
      const first = q.bb.__vector(fieldPos(q, 8));
      view.setFloat32(first, view.getFloat32(first, true) * 2, true);
    });
    const problems = checkFile(bad);
    expect(rules(problems)).toEqual(['bias-scale']);
    expect(problems[0].operator).toBe(CONV);
  });

  it('reports every problem at once; assertValidFile throws one TfliteFormatError listing them with their rules', () => {
    const g = int8Graph();
    g.ops[CONV].inputs[1].type.quant!.zeroPoint[1] = 3;
    g.ops[DENSE].inputs[2].type.quant!.scale[0] = 0.5;
    const bad = emit(g);
    expect(rules(checkFile(bad)).sort()).toEqual(['bias-scale', 'weight-zero-point']);
    let error: unknown;
    try {
      assertValidFile(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidTfliteError);
    expect(error).toBeInstanceOf(TfliteFormatError);
    expect(error).toBeInstanceOf(OctetError);
    const lines = (error as Error).message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.some((l) => l.endsWith('[weight-zero-point]'))).toBe(true);
    expect(lines.some((l) => l.endsWith('[bias-scale]') && l.includes("'fully_connected' op (from 'dense')"))).toBe(true);
  });
});

describe('checkFile on files other producers could write', () => {
  it('reports bytes that are not a flatbuffer (flatbuffer) instead of throwing', () => {
    const bytes = emit(mnistGraph());
    expect(rules(checkFile(bytes.subarray(0, 40)))).toEqual(['flatbuffer']);
  });

  it('rejects a quantized dimension outside the rank (quantized-dimension)', () => {
    const file = (dim: number) =>
      buildFixture({
        codes: [{ deprecated: 22 }], // RESHAPE
        subgraphs: [
          {
            tensors: [
              { type: TT.INT8, shape: [1, 2], quant: { scale: [0.5, 0.25], zeroPoint: [0, 0], dim } },
              { type: TT.INT32, shape: [1], data: new Uint8Array(Int32Array.from([2]).buffer) },
              { type: TT.INT8, shape: [2], quant: { scale: [0.5], zeroPoint: [0] } },
            ],
            inputs: [0],
            outputs: [2],
            ops: [{ opcode: 0, inputs: [0, 1], outputs: [2] }],
          },
        ],
      });
    expect(rules(checkFile(file(2)))).toEqual(['quantized-dimension']);
    // Along dimension 1 it is structurally sound; the int8 rules then see a per-axis activation.
    expect(rules(checkFile(file(1)))).toEqual(['activation-params']);
  });

  it('says when the structure is sound but the reader cannot build a graph (unreadable)', () => {
    const bytes = buildFixture({
      codes: [{ deprecated: 32, custom: 'MyOp' }],
      subgraphs: [{ tensors: [{ shape: [1] }, { shape: [1] }], inputs: [0], outputs: [1], ops: [{ opcode: 0, inputs: [0], outputs: [1] }] }],
    });
    const problems = checkFile(bytes);
    expect(rules(problems)).toEqual(['unreadable']);
    expect(problems[0].message).toContain("custom op 'MyOp'");
  });

  it('checks float constants too: a float32 buffer of the wrong size is buffer-size', () => {
    const bytes = buildFixture({
      codes: [{ deprecated: 0 }], // ADD
      subgraphs: [{ tensors: [{ shape: [2] }, { shape: [2], data: f32bytes([1, 2, 3]) }, { shape: [2] }], inputs: [0], outputs: [2], ops: [{ opcode: 0, inputs: [0, 1], outputs: [2] }] }],
    });
    expect(rules(checkFile(bytes))).toEqual(['buffer-size']);
  });
});

describe('checkFile on files the converter writes', () => {
  it('accepts the float MNIST model of the tutorial fixture', async () => {
    const path = fileURLToPath(new URL('../../../e2e/fixtures/mnist/model.json', import.meta.url));
    const bytes = await Converter.fromModelJson(path).convert();
    expect(inspect(bytes).subgraphs[0].operators.length).toBeGreaterThan(3);
    expect(checkFile(bytes)).toEqual([]);
  });
});

const SEED = 20260801;
const RUNS = 150;

/** The float32 next to `x` (x > 0) upwards or downwards: one unit in the last place. */
function nextFloat32(x: number, direction: 1 | -1): number {
  const bits = new Uint32Array(Float32Array.of(x).buffer);
  bits[0] += direction;
  return new Float32Array(bits.buffer)[0];
}

describe(`properties (fast-check seed ${SEED}, ${RUNS} runs each)`, () => {
  it('every random float graph the emitter writes passes', () => {
    fc.assert(
      fc.property(arbGraph({ maxOps: 6 }), (graph) => {
        expect(checkFile(emit(graph))).toEqual([]);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });

  it('random scales: a bias at fl(s_in·s_w[c]) passes; one ulp off on any channel is bias-scale, and only that', () => {
    const scale = fc.float({ min: Math.fround(1e-4), max: 1, noNaN: true });
    const arb = fc.record({ inputScale: scale, convScales: fc.array(scale, { minLength: 4, maxLength: 4 }), channel: fc.integer({ min: 0, max: 3 }), up: fc.boolean() });
    fc.assert(
      fc.property(arb, ({ inputScale, convScales, channel, up }) => {
        const g = int8Graph({ inputScale, convScales });
        expect(checkFile(emit(g))).toEqual([]);
        const bias = g.ops[CONV].inputs[2].type.quant!;
        bias.scale[channel] = nextFloat32(bias.scale[channel], up ? 1 : -1);
        const problems = checkFile(emit(g));
        expect(rules(problems)).toEqual(['bias-scale']);
        expect(problems[0].message).toContain(`weight scale[${channel}]`);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });
});
