import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inspect, read } from '@octet/tflite';
import { Converter, CANONICALIZE } from '../src/index.ts';

const MNIST = fileURLToPath(new URL('../../../e2e/fixtures/mnist/model.json', import.meta.url));

describe('Converter (float)', () => {
  it('converts the MNIST fixture to the tutorial ops, no larger than TensorFlow 2.21 writes', async () => {
    const c = Converter.fromModelJson(MNIST);
    expect(c.pipeline()).toEqual([...CANONICALIZE]);
    const bytes = await c.convert();
    expect(bytes.length).toBeLessThanOrEqual(83_972);
    const ops = inspect(bytes).subgraphs[0].operators.map((o) => o.op);
    expect(ops).toEqual(['RESHAPE', 'CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED']);
    // deterministic bytes for the same input
    expect(Buffer.from(await Converter.fromModelJson(MNIST).convert()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('round-trips its own file through fromTflite byte for byte', async () => {
    const bytes = await Converter.fromModelJson(MNIST).convert();
    const again = await Converter.fromTflite(bytes).convert();
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    expect(read(bytes).ops.map((o) => o.kind)).toEqual(['reshape', 'conv_2d', 'max_pool_2d', 'reshape', 'fully_connected']);
  });
});
