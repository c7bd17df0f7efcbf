// The reader on files it did not write: fixtures laid out with the flatbuffers Builder as other
// producers do, and a real model from MediaPipe.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { print } from '@octet/ir';
import { Interpreter } from '@octet/interpreter';
import { describe, expect, it } from 'vitest';
import { emit, inspect, read, readModel, TfliteFormatError } from '../src/index.ts';
import { BuiltinOperator as B, TensorType } from '../src/generated/tflite.ts';
import { buildFixture, f32bytes, i32bytes, type FixtureModel } from './fixtures.ts';

/** What TensorFlow writes for a Keras model with an unknown batch: −1 in shape_signature and in reshape's shape. */
function dynamicBatchModel(): FixtureModel {
  return {
    codes: [{ deprecated: B.CONV_2D, builtin: B.CONV_2D }, { deprecated: B.RESHAPE, builtin: B.RESHAPE }],
    subgraphs: [
      {
        name: 'main',
        tensors: [
          { name: 'serving_default_input_1:0', shape: [1, 2, 2, 1], shapeSignature: [-1, 2, 2, 1] },
          { name: 'sequential/conv2d/Conv2D', shape: [2, 1, 1, 1], data: f32bytes([2, -1]) },
          { name: 'sequential/conv2d/BiasAdd', shape: [2], data: f32bytes([0.5, 0]) },
          { name: 'sequential/conv2d/Relu', shape: [1, 2, 2, 2], shapeSignature: [-1, 2, 2, 2] },
          { name: 'sequential/flatten/Const', type: TensorType.INT32, shape: [2], data: i32bytes([-1, 8]) },
          { name: 'StatefulPartitionedCall:0', shape: [1, 8], shapeSignature: [-1, 8] },
        ],
        inputs: [0],
        outputs: [5],
        ops: [
          { opcode: 0, inputs: [0, 1, 2], outputs: [3], conv: { padding: 1, strideW: 1, strideH: 1, activation: 1 } },
          { opcode: 1, inputs: [3, 4], outputs: [5] },
        ],
      },
    ],
    signature: { inputs: [['input_1', 0]], outputs: [['output_0', 5]] },
  };
}

describe('read: a dynamic-batch model as TensorFlow writes it', () => {
  const bytes = buildFixture(dynamicBatchModel());

  it('takes the static shape over a shape_signature with −1, and says so', () => {
    const { graph, notes } = readModel(bytes);
    expect(graph.inputs[0].type.shape).toEqual([1, 2, 2, 1]);
    expect(notes).toEqual(["tensor 0 'serving_default_input_1:0' has the dynamic shape signature [-1,2,2,1]: read with its static shape [1,2,2,1]"]);
  });

  it("turns reshape's shape operand (with −1) into the static new_shape attribute", () => {
    const graph = read(bytes);
    expect(print(graph, { elideConstantsAbove: Infinity })).toBe(
      [
        'graph @main(%"serving_default_input_1:0": f32[1,2,2,1]) {',
        '  %"sequential/conv2d/Conv2D" = const f32[2,1,1,1] [2, -1]',
        '  %"sequential/conv2d/BiasAdd" = const f32[2] [0.5, 0]',
        '  %"sequential/conv2d/Relu" = conv_2d(%"serving_default_input_1:0", %"sequential/conv2d/Conv2D", %"sequential/conv2d/BiasAdd") {fused_activation = "relu", padding = "valid"} : f32[1,2,2,2]',
        '  %"StatefulPartitionedCall:0" = reshape(%"sequential/conv2d/Relu") {new_shape = [1, 8]} : f32[1,8]',
        '  return %"StatefulPartitionedCall:0"',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('computes what the model computes: relu(2x + 0.5) and relu(−x) per pixel', () => {
    const graph = read(bytes);
    const [y] = new Interpreter(graph).run([new Float32Array([1, -1, 0.25, 3])]);
    expect(Array.from(y as Float32Array)).toEqual([2.5, 0, 0, 1, 1, 0, 6.5, 0]);
  });

  it('writes it back with static shapes only (no −1 anywhere)', () => {
    const info = inspect(emit(read(bytes)));
    for (const t of info.subgraphs[0].tensors) {
      expect(t.shapeSignature).toBeUndefined();
      expect(t.shape.every((d) => d >= 0)).toBe(true);
    }
  });
});

describe('read: operator codes', () => {
  const reluModel = (code: FixtureModel['codes'][number]): FixtureModel => ({
    codes: [code],
    subgraphs: [{ tensors: [{ name: 'x', shape: [4] }, { name: 'y', shape: [4] }], inputs: [0], outputs: [1], ops: [{ opcode: 0, inputs: [0], outputs: [1] }] }],
  });

  it('reads a code above 127 from builtin_code when deprecated_builtin_code holds 127', () => {
    const bytes = buildFixture(reluModel({ deprecated: 127, builtin: B.GELU }));
    expect(inspect(bytes).operatorCodes).toEqual([{ builtinCode: 150, deprecatedBuiltinCode: 127, name: 'GELU', version: 1 }]);
    expect(() => read(bytes)).toThrow(TfliteFormatError);
    expect(() => read(bytes)).toThrow(/cannot read: 'GELU' \(1 op\)/);
  });

  it('reads files written before builtin_code existed (only deprecated_builtin_code set)', () => {
    const graph = read(buildFixture(reluModel({ deprecated: B.RELU })));
    expect(graph.ops.map((o) => o.kind)).toEqual(['relu']);
  });

  it('takes the larger of the two fields, as TFLite does', () => {
    const graph = read(buildFixture(reluModel({ deprecated: B.RELU6, builtin: B.ADD })));
    expect(graph.ops.map((o) => o.kind)).toEqual(['relu6']);
  });
});

describe('read: several subgraphs', () => {
  const bytes = buildFixture({
    codes: [{ deprecated: B.RELU, builtin: B.RELU }, { deprecated: B.TANH, builtin: B.TANH }],
    subgraphs: [
      { name: 'main', tensors: [{ name: 'x', shape: [3] }, { name: 'y', shape: [3] }], inputs: [0], outputs: [1], ops: [{ opcode: 0, inputs: [0], outputs: [1] }] },
      { name: 'cond', tensors: [{ name: 'a', shape: [3] }, { name: 'b', shape: [3] }], inputs: [0], outputs: [1], ops: [{ opcode: 1, inputs: [0], outputs: [1] }] },
      { tensors: [{ shape: [1] }], inputs: [0], outputs: [0], ops: [] },
    ],
  });

  it('reads subgraph 0 and names the others in its notes', () => {
    const { graph, notes } = readModel(bytes);
    expect(graph.name).toBe('main');
    expect(graph.ops.map((o) => o.kind)).toEqual(['relu']);
    expect(notes).toEqual(["the file has 3 subgraphs: read subgraph 0 ('main'), left out 1 ('cond'), 2"]);
  });

  it('inspect lists every subgraph', () => {
    const info = inspect(bytes);
    expect(info.subgraphs.map((s) => [s.name, s.operators.map((o) => o.op)])).toEqual([
      ['main', ['RELU']],
      ['cond', ['TANH']],
      [null, []],
    ]);
  });
});

describe('read: a custom op', () => {
  const bytes = buildFixture({
    codes: [{ deprecated: B.CUSTOM, builtin: B.CUSTOM, custom: 'MyFancyOp' }, { deprecated: B.RELU, builtin: B.RELU }],
    subgraphs: [
      {
        tensors: [{ name: 'x', shape: [2] }, { name: 'h', shape: [2] }, { name: 'y', shape: [2] }],
        inputs: [0],
        outputs: [2],
        ops: [
          { opcode: 0, inputs: [0], outputs: [1], customOptions: new Uint8Array([1, 2, 3, 4, 5]) },
          { opcode: 1, inputs: [1], outputs: [2] },
        ],
      },
    ],
  });

  it('is refused with an error naming it', () => {
    expect(() => read(bytes)).toThrow(TfliteFormatError);
    expect(() => read(bytes)).toThrow(/custom op 'MyFancyOp' \(1 op\)/);
  });

  it('is listed by inspect with its code and options size', () => {
    const op = inspect(bytes).subgraphs[0].operators[0];
    expect(op).toMatchObject({ op: 'MyFancyOp', customCode: 'MyFancyOp', builtinCode: B.CUSTOM, inputs: [0], outputs: [1], customOptionsSize: 5 });
  });
});

describe('read: malformed models give TfliteFormatError naming the problem', () => {
  const base = (): FixtureModel => ({
    codes: [{ deprecated: B.ADD, builtin: B.ADD }],
    subgraphs: [
      {
        tensors: [{ name: 'x', shape: [2] }, { name: 'c', shape: [2], data: f32bytes([1, 2]) }, { name: 'y', shape: [2] }],
        inputs: [0],
        outputs: [2],
        ops: [{ opcode: 0, inputs: [0, 1], outputs: [2] }],
      },
    ],
  });
  const cases: [string, (m: FixtureModel) => void, RegExp][] = [
    ['schema version 2', (m) => (m.version = 2), /schema version 2: Octet reads version 3/],
    ['an operand index out of range', (m) => (m.subgraphs[0].ops[0].inputs = [0, 7]), /operand 1 refers to tensor 7, the subgraph has 3/],
    ['an opcode index out of range', (m) => (m.subgraphs[0].ops[0].opcode = 4), /operator 0 uses operator code 4, the file has 1/],
    ['a constant of the wrong size', (m) => (m.subgraphs[0].tensors[1].data = f32bytes([1, 2, 3])), /needs 8 bytes, its buffer 1 holds 12/],
    ['a tensor read before it is written', (m) => (m.subgraphs[0].ops[0].inputs = [0, 2]), /reads tensor 2 'y' before any op writes it/],
    ['an output never written', (m) => (m.subgraphs[0].ops = []), /subgraph output 0 \(tensor 2 'y'\) is never written/],
    ['a constant written by an op', (m) => (m.subgraphs[0].ops[0].outputs = [1]), /writes tensor 1 'c', which already has a value/],
    ['a constant graph input', (m) => (m.subgraphs[0].inputs = [1]), /subgraph input 0 \(tensor 1\) holds constant data/],
    ['scales and zero points that differ in count', (m) => (m.subgraphs[0].tensors[0].quant = { scale: [0.5, 0.25], zeroPoint: [0] }), /2 scales and 1 zero points/],
    ['per-axis scales that do not match the dimension', (m) => (m.subgraphs[0].tensors[0].quant = { scale: [0.5, 0.25, 1], zeroPoint: [0, 0, 0] }), /3 scales along dimension 0 of shape \[2\]/],
    ['an unsupported tensor type', (m) => (m.subgraphs[0].tensors[0].type = TensorType.STRING), /has type STRING/],
    ['a negative dimension', (m) => (m.subgraphs[0].tensors[2].shape = [-1]), /negative dimension/],
    ['operand types the op rejects', (m) => (m.subgraphs[0].tensors[2].shape = [3]), /does not form a valid graph/],
  ];
  it('the unmodified fixture reads', () => {
    expect(read(buildFixture(base())).ops.map((o) => o.kind)).toEqual(['add']);
  });
  for (const [what, mutate, message] of cases) {
    it(what, () => {
      const m = base();
      mutate(m);
      const bytes = buildFixture(m);
      expect(() => read(bytes)).toThrow(TfliteFormatError);
      expect(() => read(bytes)).toThrow(message);
    });
  }
});

describe('read: a real model from another producer (MediaPipe selfie segmentation)', () => {
  const pkg = dirname(createRequire(import.meta.url).resolve('@mediapipe/selfie_segmentation/package.json'));
  const bytes = new Uint8Array(readFileSync(join(pkg, 'selfie_segmentation.tflite')));

  it('is refused with one error naming its custom op and every unsupported builtin', () => {
    let error: unknown;
    try {
      read(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TfliteFormatError);
    const message = (error as Error).message;
    expect(message).toMatch(/custom op 'Convolution2DTransposeBias' \(1 op\)/);
    expect(message).toMatch(/'HARD_SWISH' \(11 ops\)/);
    expect(message).toMatch(/'RESIZE_BILINEAR' \(3 ops\)/);
    expect(message).not.toMatch(/CONV_2D'|DEQUANTIZE'/); // those it can read
  });

  it('is listed fully by inspect', () => {
    const info = inspect(bytes);
    expect(info.size).toBe(249_024);
    expect(info.version).toBe(3);
    expect(info.subgraphs).toHaveLength(1);
    const sg = info.subgraphs[0];
    expect(sg.tensors[sg.inputs[0]]).toMatchObject({ name: 'input_1', dtype: 'FLOAT32', shape: [1, 256, 256, 3] });
    expect(info.operatorCodes.map((c) => c.name).sort()).toEqual(
      ['ADD', 'AVERAGE_POOL_2D', 'CONV_2D', 'Convolution2DTransposeBias', 'DEPTHWISE_CONV_2D', 'DEQUANTIZE', 'HARD_SWISH', 'LOGISTIC', 'MUL', 'RELU', 'RESIZE_BILINEAR'].sort(),
    );
    const custom = sg.operators.filter((o) => o.customCode !== undefined);
    expect(custom).toHaveLength(1);
    expect(custom[0]).toMatchObject({ op: 'Convolution2DTransposeBias', customOptionsSize: 12 });
    expect(custom[0].inputs).toHaveLength(3);

    // float16 weights, each feeding a DEQUANTIZE whose result is float32, and nothing else float16
    const deq = sg.operators.filter((o) => o.op === 'DEQUANTIZE');
    const f16 = sg.tensors.filter((t) => t.dtype === 'FLOAT16');
    expect(deq.length).toBeGreaterThan(50);
    expect(deq.map((o) => o.inputs[0]).sort((a, b) => a - b)).toEqual(f16.map((t) => t.index));
    for (const o of deq) {
      const src = sg.tensors[o.inputs[0]];
      expect(src.bufferSize).toBe(2 * src.shape.reduce((a, b) => a * b, 1));
      expect(sg.tensors[o.outputs[0]].dtype).toBe('FLOAT32');
    }
    // every operand and result names a tensor of the subgraph
    for (const o of sg.operators) for (const t of [...o.inputs, ...o.outputs]) expect(t >= -1 && t < sg.tensors.length).toBe(true);
    // the options of the builtins Octet knows are decoded
    expect(sg.operators.find((o) => o.op === 'CONV_2D')?.options?.type).toBe('Conv2DOptions');
    expect(sg.operators.find((o) => o.op === 'CONV_2D')?.options?.fields).toHaveProperty('padding');
  });
});
