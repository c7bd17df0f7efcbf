import type { Graph, QuantParams, Value } from '@octet/ir';
import { CliError } from './errors.ts';

/**
 * The uint8 twin of a model with int8 inputs or outputs: LiteRT.js exchanges no int8 tensors, so
 * such a model runs in LiteRT as the same graph with uint8 boundaries (DESIGN.md §5):
 *
 *   %x : i8 q(s, z) read by the model      ==>  %x : u8 q(s, z + 128); %x8 = quantize(%x) : i8 q(s, z)
 *   output %y : i8 q(s, z)                 ==>  %u = quantize(%y) : u8 q(s, z + 128), the output
 *
 * Equal scales and zero points 128 apart make both QUANTIZE ops `x ^ 0x80` in every arithmetic, so
 * twin(x + 128) − 128 = model(x) exactly. The graph is edited in place; names stay with the
 * model's inputs and outputs.
 */
export async function makeUint8Twin(graph: Graph): Promise<{ inputs: number; outputs: number }> {
  const plus128 = (q: QuantParams): QuantParams => ({ scale: [...q.scale], zeroPoint: q.zeroPoint.map((z) => z + 128) });
  const perTensor = (v: Value, where: string): QuantParams => {
    const q = v.type.quant;
    if (!q || q.scale.length !== 1 || q.axis !== undefined) {
      throw new CliError(`${where} '${v.name ?? '?'}' is int8 ${q ? 'quantized per axis' : 'without quantization parameters'}: only per-tensor int8 boundaries have a uint8 twin`);
    }
    return q;
  };
  let inputs = 0;
  let outputs = 0;
  const head: Graph['ops'] = [];
  for (const x of graph.inputs) {
    if (x.type.dtype !== 'int8') continue;
    const q = perTensor(x, 'input');
    const op = graph.createOp('quantize', [x], {}, { types: [{ dtype: 'int8', shape: [...x.type.shape], quant: q }] });
    const x8 = op.outputs[0];
    for (const user of graph.ops) user.inputs = user.inputs.map((v) => (v === x ? x8 : v));
    graph.outputs = graph.outputs.map((v) => (v === x ? x8 : v));
    x.type = { dtype: 'uint8', shape: [...x.type.shape], quant: plus128(q) };
    head.push(op as Graph['ops'][number]);
    inputs++;
  }
  graph.ops.unshift(...head);
  graph.outputs = graph.outputs.map((y) => {
    if (y.type.dtype !== 'int8') return y;
    const q = perTensor(y, 'output');
    const u = graph.add('quantize', [y], {}, { types: [{ dtype: 'uint8', shape: [...y.type.shape], quant: plus128(q) }] });
    if (y.name !== undefined) {
      u.name = y.name;
      delete y.name;
    }
    outputs++;
    return u;
  });
  return { inputs, outputs };
}

/** The twin's bytes from an int8-I/O model's bytes (read, rewrite, emit; the emitted file is verified). */
export async function uint8TwinBytes(bytes: Uint8Array): Promise<Uint8Array> {
  const { read, emit, assertValidFile } = await import('@octet/tflite');
  const graph = read(bytes);
  await makeUint8Twin(graph);
  const twin = emit(graph);
  assertValidFile(twin);
  return twin;
}
