import { Interpreter } from '@octet/interpreter';
import { checkFile, read } from '@octet/tflite';
import { beforeAll, describe, expect, it } from 'vitest';
import { uint8TwinBytes } from '../src/twin.ts';
import { quantizedMnist } from './models.ts';

let model: Uint8Array;
let twin: Uint8Array;

beforeAll(async () => {
  model = await quantizedMnist('int8');
  twin = await uint8TwinBytes(model);
});

describe('the uint8 twin of an int8-I/O model', () => {
  it('has uint8 boundaries with the same scales and zero points 128 higher, names kept, and passes the file verifier', () => {
    const g = read(model);
    const t = read(twin);
    expect(checkFile(twin)).toEqual([]);
    for (const [a, b] of [
      [g.inputs[0], t.inputs[0]],
      [g.outputs[0], t.outputs[0]],
    ]) {
      expect(a.type.dtype).toBe('int8');
      expect(b.type.dtype).toBe('uint8');
      expect(b.name).toBe(a.name);
      expect(b.type.quant!.scale).toEqual(a.type.quant!.scale);
      expect(b.type.quant!.zeroPoint).toEqual([a.type.quant!.zeroPoint[0] + 128]);
    }
    // One quantize at each boundary, the graph between unchanged.
    expect(t.ops.map((op) => op.kind)).toEqual(['quantize', ...g.ops.map((op) => op.kind), 'quantize']);
  });

  it('twin(x + 128) − 128 = model(x) byte for byte, in both arithmetics, on 200 random inputs', () => {
    let seed = 20261125;
    const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (const arithmetic of ['xnnpack', 'reference'] as const) {
      const ours = new Interpreter(read(model), { arithmetic });
      const theirs = new Interpreter(read(twin), { arithmetic });
      for (let k = 0; k < 100; k++) {
        const u = Uint8Array.from({ length: 784 }, next);
        const x = Int8Array.from(u, (v) => v - 128);
        const a = ours.run([x])[0] as Int8Array;
        const b = theirs.run([u])[0] as Uint8Array;
        expect(Array.from(b, (v) => v - 128)).toEqual(Array.from(a));
      }
    }
  });
});
