// Where our interpreter spends its time, per op kind and per op (the bench's "why"):
//   node --import tsx tools/bench/src/op-times.ts <file.tflite> <mnist|mobilenet_v2> [runs] [--reference]
// Times each op by the gap between consecutive value observations (the observer runs right after
// each op), over `runs` invokes after a warm-up.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Interpreter, type InterpreterOptions } from '@octet/interpreter';
import type { AnyOp, TypedArray } from '@octet/ir';
import { read } from '@octet/tflite';
import { BENCH_IMAGES, MODELS, quantizeToUint8, type ModelName } from './models.ts';

export interface OpTime {
  index: number;
  kind: string;
  /** dtype, shapes and the attributes that decide the cost, in short. */
  what: string;
  ms: number;
  /** Multiply-accumulates of conv_2d, depthwise_conv_2d and fully_connected, else 0. */
  macs: number;
}

function macsOf(op: AnyOp): number {
  const out = op.outputs[0].type.shape.reduce((a, b) => a * b, 1);
  if (op.kind === 'conv_2d') {
    const [, kh, kw, i] = op.inputs[1].type.shape;
    return out * kh * kw * i;
  }
  if (op.kind === 'depthwise_conv_2d') {
    const [, kh, kw] = op.inputs[1].type.shape;
    return out * kh * kw;
  }
  if (op.kind === 'fully_connected') return out * op.inputs[1].type.shape[1];
  return 0;
}

function describeOp(op: AnyOp): string {
  const t = (v: { type: { dtype: string; shape: number[] } }) => `${v.type.dtype}[${v.type.shape.join(',')}]`;
  const a = op.attrs as Record<string, unknown>;
  const geo = 'stride_h' in a ? ` s${a.stride_h} ${a.padding}` : '';
  return `${t(op.inputs[0])}${op.inputs[1] ? ` × ${t(op.inputs[1])}` : ''} → ${t(op.outputs[0])}${geo}`;
}

export function opTimes(bytes: Uint8Array, inputs: TypedArray[], runs: number, warmup: number, opts: InterpreterOptions = {}): OpTime[] {
  const graph = read(bytes);
  const interpreter = new Interpreter(graph, opts);
  const times = graph.ops.map((op, index): OpTime => ({ index, kind: op.kind, what: describeOp(op), ms: 0, macs: macsOf(op) }));
  const index = new Map(graph.ops.map((op, i) => [op, i]));
  for (let r = 0; r < warmup + runs; r++) {
    interpreter.setTensor(interpreter.getInputDetails()[0].index, inputs[r % inputs.length]);
    let last = performance.now();
    interpreter.invoke({
      observe: (_v, _d, op) => {
        if (!op) return;
        const now = performance.now();
        if (r >= warmup && op.outputs[0] === _v) times[index.get(op)!].ms += now - last;
        last = performance.now();
      },
    });
  }
  for (const t of times) t.ms /= runs;
  return times;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const reference = args.includes('--reference');
  const [file, model, runsArg] = args.filter((a) => a !== '--reference') as [string, ModelName, string | undefined];
  const runs = Number(runsArg ?? 20);
  // the interpreter's default kernels (WebAssembly SIMD where it has them), or --reference: the TypeScript ones alone
  const kernels = reference ? 'reference' : 'fast';
  const bytes = readFileSync(file);
  const input = read(bytes).inputs[0];
  const images = MODELS[model].benchImages(Math.min(BENCH_IMAGES[model], 16));
  const q = input.type.quant;
  const inputs = input.type.dtype === 'uint8' && q ? images.map((x) => quantizeToUint8(x, q.scale[0], q.zeroPoint[0])) : images;
  const times = opTimes(bytes, inputs, runs, Math.max(3, runs >> 2), { kernels });
  const total = times.reduce((s, t) => s + t.ms, 0);
  const byKind = new Map<string, { ms: number; n: number; macs: number }>();
  for (const t of times) {
    const k = byKind.get(t.kind) ?? { ms: 0, n: 0, macs: 0 };
    byKind.set(t.kind, { ms: k.ms + t.ms, n: k.n + 1, macs: k.macs + t.macs });
  }
  console.log(`${file}${reference ? ' (reference kernels)' : ''}: ${total.toFixed(3)} ms per invoke (sum over ops, mean of ${runs} runs)`);
  console.log('\nper kind: ms, share, ops, GMAC/s');
  for (const [kind, k] of [...byKind].sort((a, b) => b[1].ms - a[1].ms)) {
    const gmacs = k.macs ? `  ${(k.macs / k.ms / 1e6).toFixed(2)} GMAC/s` : '';
    console.log(`  ${kind.padEnd(20)} ${k.ms.toFixed(3).padStart(9)}  ${((100 * k.ms) / total).toFixed(1).padStart(5)}%  ${String(k.n).padStart(3)}${gmacs}`);
  }
  console.log('\nslowest ops:');
  for (const t of [...times].sort((a, b) => b.ms - a.ms).slice(0, 12)) {
    const gmacs = t.macs ? ` ${(t.macs / t.ms / 1e6).toFixed(2)} GMAC/s` : '';
    console.log(`  #${String(t.index).padStart(3)} ${t.kind.padEnd(18)} ${t.ms.toFixed(3).padStart(8)} ms${gmacs}  ${t.what}`);
  }
}
