import { readFileSync } from 'node:fs';
import { Builder, ByteBuffer } from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { generate, layoutOf } from '../src/generate.ts';
import { generateBindings, OUTPUT_PATH, SCHEMA_PATH } from '../src/main.ts';
import { parseSchema, SchemaError } from '../src/parse.ts';
// The committed bindings, exercised below as generated code.
import { AddOptions, Buffer as FbBuffer, Conv2DOptions, OperatorCode } from '../../../packages/tflite/src/generated/tflite.ts';
import { Verifier } from '../../../packages/tflite/src/verifier.ts';

describe('the committed bindings', () => {
  it('equal a fresh generation from packages/tflite/schema/tflite.fbs', () => {
    expect(readFileSync(OUTPUT_PATH, 'utf8')).toBe(generateBindings());
  });
});

/**
 * Field ids and union indices of TensorFlow Lite's schema (tensorflow/compiler/mlir/lite/schema/
 * schema.fbs) for the tables we declare: a field added, removed or moved in our .fbs shifts every
 * id after it and would make our files unreadable to TFLite.
 */
const TFLITE_FIELD_IDS: Readonly<Record<string, readonly string[]>> = {
  Model: ['version', 'operator_codes', 'subgraphs', 'description', 'buffers', 'metadata_buffer', 'metadata', 'signature_defs'],
  SubGraph: ['tensors', 'inputs', 'outputs', 'operators', 'name'],
  Tensor: ['shape', 'type', 'buffer', 'name', 'quantization', 'is_variable', 'sparsity', 'shape_signature', 'has_rank'],
  // details is a union: details_type takes id 4, details id 5
  QuantizationParameters: ['min', 'max', 'scale', 'zero_point', 'details_type', 'details', 'quantized_dimension'],
  Operator: ['opcode_index', 'inputs', 'outputs', 'builtin_options_type', 'builtin_options', 'custom_options', 'custom_options_format', 'mutating_variable_inputs', 'intermediates', 'large_custom_options_offset', 'large_custom_options_size'],
  OperatorCode: ['deprecated_builtin_code', 'custom_code', 'version', 'builtin_code'],
  Buffer: ['data', 'offset', 'size'],
  Metadata: ['name', 'buffer'],
  TensorMap: ['name', 'tensor_index'],
  SignatureDef: ['inputs', 'outputs', 'signature_key', 'deprecated_tag', 'subgraph_index'],
  Conv2DOptions: ['padding', 'stride_w', 'stride_h', 'fused_activation_function', 'dilation_w_factor', 'dilation_h_factor', 'quantized_bias_type'],
  DepthwiseConv2DOptions: ['padding', 'stride_w', 'stride_h', 'depth_multiplier', 'fused_activation_function', 'dilation_w_factor', 'dilation_h_factor'],
  Pool2DOptions: ['padding', 'stride_w', 'stride_h', 'filter_width', 'filter_height', 'fused_activation_function'],
  FullyConnectedOptions: ['fused_activation_function', 'weights_format', 'keep_num_dims', 'asymmetric_quantize_inputs', 'quantized_bias_type'],
  SoftmaxOptions: ['beta'],
  ConcatenationOptions: ['axis', 'fused_activation_function'],
  AddOptions: ['fused_activation_function', 'pot_scale_int16'],
  SubOptions: ['fused_activation_function', 'pot_scale_int16'],
  MulOptions: ['fused_activation_function'],
  DivOptions: ['fused_activation_function'],
  ReshapeOptions: ['new_shape'],
  ReducerOptions: ['keep_dims'],
  SqueezeOptions: ['squeeze_dims'],
  ResizeNearestNeighborOptions: ['align_corners', 'half_pixel_centers'],
};

const TFLITE_BUILTIN_OPTIONS: Readonly<Record<string, number>> = {
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  PadOptions: 22,
  TransposeOptions: 26,
  ReducerOptions: 27,
  SubOptions: 28,
  DivOptions: 29,
  SqueezeOptions: 30,
  DequantizeOptions: 38,
  MaximumMinimumOptions: 39,
  ResizeNearestNeighborOptions: 74,
  QuantizeOptions: 89,
};

describe('our schema has the ids of TFLite', () => {
  const layout = layoutOf(parseSchema(readFileSync(SCHEMA_PATH, 'utf8')));

  for (const [table, names] of Object.entries(TFLITE_FIELD_IDS)) {
    it(`${table}: ${names.length} field ids`, () => {
      const info = layout.fields.get(table);
      expect(info).toBeDefined();
      const ids: [string, number][] = [];
      for (const f of info!.fields) {
        if (f.type.k === 'union') ids.push([`${f.decl.name}_type`, f.id - 1]);
        ids.push([f.decl.name, f.id]);
      }
      expect(ids).toEqual(names.map((n, i) => [n, i]));
    });
  }

  it('BuiltinOptions members at their TFLite union indices', () => {
    const u = layout.unions.get('BuiltinOptions')!;
    expect(Object.fromEntries(u.members.map((m) => [m.name, m.value]))).toEqual(TFLITE_BUILTIN_OPTIONS);
  });

  it('BuiltinOperator and TensorType values that the emitter and reader rely on', () => {
    const op = Object.fromEntries(layout.enums.get('BuiltinOperator')!.values.map((v) => [v.name, v.value]));
    expect(op).toMatchObject({ ADD: 0, CONV_2D: 3, DEQUANTIZE: 6, FULLY_CONNECTED: 9, RESHAPE: 22, CUSTOM: 32, MEAN: 40, QUANTIZE: 114, PLACEHOLDER_FOR_GREATER_OP_CODES: 127, GELU: 150 });
    const tt = Object.fromEntries(layout.enums.get('TensorType')!.values.map((v) => [v.name, v.value]));
    expect(tt).toMatchObject({ FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, BOOL: 6, INT16: 7, INT8: 9 });
    expect(layout.enums.get('OperatorCode' as never)).toBeUndefined();
    expect(layout.fields.get('OperatorCode')!.fields.map((f) => [f.decl.name, f.type.k === 'scalar' ? f.type.scalar : f.type.k])).toEqual([
      ['deprecated_builtin_code', 'byte'],
      ['custom_code', 'string'],
      ['version', 'int'],
      ['builtin_code', 'int'],
    ]);
  });
});

describe('the generated code', () => {
  /** The root table of a finished buffer, as class T. */
  function root<T extends { __init(i: number, bb: ByteBuffer): T }>(make: () => T, bytes: Uint8Array): T {
    const bb = new ByteBuffer(bytes);
    return make().__init(bb.readUint32(0), bb);
  }
  function finish(build: (b: Builder) => number): Uint8Array {
    const b = new Builder(64);
    b.finish(build(b));
    return b.asUint8Array();
  }

  it('omits fields at their default and reads the default back (dilation 1, pot_scale_int16 true, version 1)', () => {
    const withDefault = finish((b) => Conv2DOptions.create(b, { strideW: 2, dilationWFactor: 1, dilationHFactor: 3 }));
    const r = root(() => new Conv2DOptions(), withDefault);
    expect([r.strideW(), r.dilationWFactor(), r.dilationHFactor(), r.strideH()]).toEqual([2, 1, 3, 0]);
    expect(finish((b) => Conv2DOptions.create(b, { strideW: 2, dilationHFactor: 3 }))).toEqual(withDefault);
    expect(root(() => new AddOptions(), finish((b) => AddOptions.create(b, {}))).potScaleInt16()).toBe(true);
    expect(root(() => new AddOptions(), finish((b) => AddOptions.create(b, { potScaleInt16: false }))).potScaleInt16()).toBe(false);
    expect(root(() => new OperatorCode(), finish((b) => OperatorCode.create(b, { deprecatedBuiltinCode: 3 }))).version()).toBe(1);
  });

  it('aligns a force_align: 16 byte vector to 16 bytes from the end of the buffer, whatever precedes it', () => {
    for (let pre = 0; pre < 20; pre++) {
      const b = new Builder(16);
      for (let i = 0; i < pre; i++) b.addInt8(1);
      const data = FbBuffer.createDataVector(b, new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
      const buf = FbBuffer.create(b, { data });
      b.finish(buf);
      const bytes = b.asUint8Array();
      // the vector's first element is 4 bytes after its length, at a multiple of 16 from the start
      const table = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      const vt = table - view.getInt32(table, true);
      const field = table + view.getUint16(vt + 4, true);
      const start = field + view.getUint32(field, true) + 4;
      expect(start % 16).toBe(0);
      expect(Array.from(bytes.subarray(start, start + 7))).toEqual([1, 2, 3, 4, 5, 6, 7]);
      new Verifier(bytes).root(undefined, FbBuffer.verify);
    }
  });
});

describe('the parser refuses what it does not read, with a line and column', () => {
  const cases: [string, string, RegExp][] = [
    ['a struct', 'struct Vec { x: float; }', /^1:1: unsupported declaration 'struct'/],
    ['an unknown field type', 'table T {\n  a: Missing;\n}', /T\.a: unknown type 'Missing'/],
    ['a field declared twice', 'table T { a: int; a: int; }', /^1:19: table T declares field a twice/],
    ['union indices out of order', 'table A {}\ntable B {}\nunion U { A = 3, B = 2 }', /^3:18: union U: B = 2 must be greater/],
    ['a union index beyond a ubyte', 'table A {}\nunion U { A = 256 }', /must be in \[1, 255\]/],
    ['vectors of vectors', 'table T { a: [[int]]; }', /vectors of vectors/],
    ['an unknown attribute', 'table T { a: int (key); }', /unsupported attribute 'key'/],
    ['an unterminated comment', 'table T {}\n/* open', /^2:1: unterminated \/\* comment/],
    ['an enum default that is not a value', 'enum E : byte { A, B }\ntable T { e: E = C; }', /T\.e: C is not a value of E/],
  ];
  for (const [what, src, message] of cases) {
    it(what, () => {
      expect(() => generate(parseSchema(src), 'x.fbs')).toThrow(SchemaError);
      expect(() => generate(parseSchema(src), 'x.fbs')).toThrow(message);
    });
  }

  it('counts a union field as two ids and keeps a deprecated field’s id', () => {
    const layout = layoutOf(parseSchema('table A {}\nunion U { A }\ntable T { x: int; u: U; old: int (deprecated); y: [ubyte]; }'));
    expect(layout.fields.get('T')!.fields.map((f) => [f.decl.name, f.id])).toEqual([
      ['x', 0],
      ['u', 2],
      ['old', 3],
      ['y', 4],
    ]);
    expect(layout.fields.get('T')!.count).toBe(5);
  });
});
