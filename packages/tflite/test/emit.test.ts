// File-level facts of what the emitter writes, on the tutorial's MNIST architecture.
import { Graph, OctetError } from '@octet/ir';
import { Interpreter } from '@octet/interpreter';
import { describe, expect, it } from 'vitest';
import { emit, inspect, read } from '../src/index.ts';
import { BuiltinOperator, Model } from '../src/generated/tflite.ts';
import { minRuntimeVersion } from '../src/versions.ts';
import { mnistGraph, roundTrip } from './helpers.ts';

/** What TensorFlow 2.21's converter writes for this model with a static batch of 1 (issue 3). */
const TENSORFLOW_FLOAT_BYTES = 83_972;

describe('emit on the MNIST model', () => {
  const g = mnistGraph();
  const bytes = emit(g);
  const model = Model.getRoot(bytes);

  it(`is no larger than TensorFlow's float file (${TENSORFLOW_FLOAT_BYTES} bytes)`, () => {
    // 81,700 bytes are weights; the rest is structure.
    expect(bytes.length).toBeLessThanOrEqual(TENSORFLOW_FLOAT_BYTES);
    expect(bytes.length).toBeGreaterThan(81_700);
  });

  it('has the TFL3 identifier, schema version 3 and an empty buffer 0', () => {
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe('TFL3');
    expect(model.version()).toBe(3);
    expect(model.buffers(0)!.dataLength()).toBe(0);
    expect(model.buffers(0)!.offset()).toBe(0n);
  });

  it('aligns every constant buffer to 16 bytes from the start of the file', () => {
    let constants = 0;
    for (let i = 1; i < model.buffersLength(); i++) {
      const data = model.buffers(i)!.dataArray();
      if (!data || data.length === 0) continue;
      constants++;
      expect((data.byteOffset - bytes.byteOffset) % 16).toBe(0);
    }
    expect(constants).toBe(7); // 4 weights, 2 reshape shapes, the min_runtime_version string
  });

  it('gives activations buffer 0 and every constant its own buffer', () => {
    const sg = model.subgraphs(0)!;
    const buffers = Array.from({ length: sg.tensorsLength() }, (_, i) => sg.tensors(i)!.buffer());
    const constantBuffers = buffers.filter((b) => b !== 0);
    expect(new Set(constantBuffers).size).toBe(constantBuffers.length);
    // the input and the five op results
    expect(buffers.filter((b) => b === 0)).toHaveLength(6);
  });

  it('writes the ops RESHAPE, CONV_2D, MAX_POOL_2D, RESHAPE, FULLY_CONNECTED with both opcode fields', () => {
    const info = inspect(bytes);
    expect(info.subgraphs[0].operators.map((o) => o.op)).toEqual(['RESHAPE', 'CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED']);
    for (let i = 0; i < model.operatorCodesLength(); i++) {
      const c = model.operatorCodes(i)!;
      expect(c.deprecatedBuiltinCode()).toBe(Math.min(c.builtinCode(), BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES));
      expect(c.builtinCode()).not.toBe(0); // no ADD here: builtin_code is really written
    }
  });

  it('has a serving_default signature mapping the input and output names', () => {
    const info = inspect(bytes);
    expect(info.signatures).toEqual([
      { key: 'serving_default', subgraphIndex: 0, inputs: [{ name: 'input', tensorIndex: 0 }], outputs: [{ name: 'dense', tensorIndex: info.subgraphs[0].outputs[0] }] },
    ]);
    expect(info.subgraphs[0].tensors[info.subgraphs[0].outputs[0]].name).toBe('dense');
  });

  it('stores min_runtime_version as TensorFlow does: 16 bytes, the version string NUL-padded', () => {
    const info = inspect(bytes);
    expect(info.metadata).toEqual([{ name: 'min_runtime_version', buffer: model.buffersLength() - 1, value: '1.5.0' }]);
    const raw = model.buffers(info.metadata[0].buffer)!.dataArray()!;
    expect(Array.from(raw)).toEqual([...'1.5.0'].map((c) => c.charCodeAt(0)).concat(new Array(11).fill(0)));
  });

  it('is deterministic: the same graph (or a clone) gives the same bytes', () => {
    expect(Buffer.from(emit(g)).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(emit(g.clone())).equals(Buffer.from(bytes))).toBe(true);
  });

  it('round-trips byte for byte, and the read graph computes what the original computes', () => {
    const { graph } = roundTrip(g);
    const x = new Float32Array(784).map((_, i) => ((i * 37) % 255) / 255);
    const want = new Interpreter(g).run([x])[0] as Float32Array;
    const got = new Interpreter(graph).run([x])[0] as Float32Array;
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(want.some((v) => v !== 0)).toBe(true);
  });
});

describe('emit refuses what TFLite cannot hold', () => {
  it('a constant printed in elided form (no data)', () => {
    const g = mnistGraph();
    const w = g.ops[1].inputs[1];
    delete w.data;
    w.elided = '0123456789abcdef';
    expect(() => emit(g)).toThrow(/no data \(printed in elided form\)/);
  });

  it('a graph that does not verify (an output nobody computes)', () => {
    const g = new Graph('bad');
    g.addInput('x', { dtype: 'float32', shape: [2] });
    g.outputs.push({ type: { dtype: 'float32', shape: [2] }, name: 'ghost' });
    expect(() => emit(g)).toThrow(OctetError);
  });
});

describe('min_runtime_version', () => {
  it('takes the highest runtime version among the operator codes, comparing numerically', () => {
    expect(minRuntimeVersion([{ code: BuiltinOperator.CONV_2D, version: 1 }, { code: BuiltinOperator.LOGISTIC, version: 1 }])).toBe('1.14.0');
    expect(minRuntimeVersion([{ code: BuiltinOperator.TRANSPOSE, version: 7 }, { code: BuiltinOperator.QUANTIZE, version: 3 }])).toBe('2.14.4');
    expect(minRuntimeVersion([{ code: BuiltinOperator.RESIZE_NEAREST_NEIGHBOR, version: 1 }, { code: BuiltinOperator.DEPTHWISE_CONV_2D, version: 2 }])).toBe('1.13.1');
    // an unknown (code, version) pair is skipped, as TensorFlow does
    expect(minRuntimeVersion([{ code: BuiltinOperator.RESHAPE, version: 9 }])).toBe('');
  });

  it('is written as 16 zero bytes when no op has a known version (a graph without ops)', () => {
    const g = new Graph('empty');
    const x = g.addInput('x', { dtype: 'float32', shape: [1] });
    g.outputs.push(x);
    const bytes = emit(g);
    const info = inspect(bytes);
    expect(info.metadata[0].value).toBe('');
    expect(info.buffers[info.metadata[0].buffer].size).toBe(16);
    const r = read(bytes);
    expect(r.outputs[0]).toBe(r.inputs[0]);
  });
});
