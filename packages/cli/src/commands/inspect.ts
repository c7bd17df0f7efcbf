import type { Graph } from '@octet/ir';
import type { InspectedModel, InspectedTensor, OptionValue } from '@octet/tflite';
import { Command } from 'commander';
import { shapeList } from '../options.ts';
import type { OctetCommand } from './command.ts';

interface InspectOptions {
  json?: true;
  inputShape?: number[];
}

/** `octet inspect`: what a .tflite holds (ops, tensors, quantization, buffers, signature), or the IR a model.json imports to. */
export const inspect: OctetCommand = {
  create: () =>
    new Command('inspect')
      .summary('show the ops, tensors, quantization and signature of a .tflite (or the IR of a model.json)')
      .description(
        'For a .tflite: every operator (version, operands, options), every tensor (name, dtype, shape, buffer size, scales, zero points, ' +
          'quantized dimension), buffer sizes, metadata and signatures, as the file stores them. For a tfjs model.json: the graph Octet ' +
          'imports it to, after canonicalization (what conversion starts from), with large constants elided.',
      )
      .argument('<model>', 'a .tflite file or a tfjs model.json')
      .option('--json', 'print everything as JSON (all scales and zero points, not elided)')
      .option('--input-shape <dims>', 'model.json only: static shape of the first input for dynamic dimensions', shapeList)
      .action(run),
};

async function run(model: string, o: InspectOptions): Promise<void> {
  const { CliError } = await import('../errors.ts');
  if (model.endsWith('.json')) return inspectModelJson(model, o);
  if (o.inputShape) throw new CliError(`--input-shape is for a model.json: ${model} is a .tflite, whose shapes are static`);
  const [{ readBytes }, tflite] = await Promise.all([import('../io.ts'), import('@octet/tflite')]);
  const m = tflite.inspect(await readBytes(model));
  process.stdout.write(o.json ? JSON.stringify(m, null, 2) + '\n' : formatTflite(model, m));
}

const LIST_AT_MOST = 8;

/** A list, shortened past LIST_AT_MOST entries (--json has them all). */
function list(xs: readonly (number | string)[]): string {
  const shown = xs.slice(0, LIST_AT_MOST).map(String).join(', ');
  return xs.length > LIST_AT_MOST ? `[${shown}, … ${xs.length} in all]` : `[${shown}]`;
}

const num = (x: number) => String(Number(x.toPrecision(7)));

export function quantText(q: InspectedTensor['quantization']): string {
  if (!q) return '';
  const range = q.min && q.max ? `  min ${list(q.min.map(num))} max ${list(q.max.map(num))}` : '';
  if (q.scale.length === 1) return `scale ${num(q.scale[0])} zero point ${q.zeroPoint[0]}${range}`;
  if (q.scale.length === 0) return range.trim();
  return `per axis ${q.quantizedDimension}: scales ${list(q.scale.map(num))} zero points ${list(q.zeroPoint)}${range}`;
}

function optionText(fields: Record<string, OptionValue> | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(',')}]` : String(v)}`)
    .join(' ');
}

/** Rows padded into columns, two spaces apart. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((s, c) => s.padEnd(widths[c])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `  ${l}`);
}

const grouped = (n: number) => n.toLocaleString('en-US');

function formatTflite(file: string, m: InspectedModel): string {
  const out: string[] = [];
  const runtime = m.metadata.find((e) => e.name === 'min_runtime_version')?.value;
  out.push(`${file}: ${grouped(m.size)} bytes, TFLite schema version ${m.version}, ${m.subgraphs.length} subgraph${m.subgraphs.length === 1 ? '' : 's'}${runtime ? `, min_runtime_version ${runtime}` : ''}`);
  if (m.description) out.push(`description: ${m.description}`);
  for (const s of m.signatures) {
    const tensors = m.subgraphs[s.subgraphIndex]?.tensors ?? [];
    const io = (xs: { name: string | null; tensorIndex: number }[]) => xs.map((x) => `${x.name ?? '?'} (tensor ${x.tensorIndex}, ${tensorType(tensors[x.tensorIndex])})`).join(', ');
    out.push(`signature '${s.key ?? ''}' (subgraph ${s.subgraphIndex}): inputs ${io(s.inputs) || '(none)'}; outputs ${io(s.outputs) || '(none)'}`);
  }
  for (const sg of m.subgraphs) {
    out.push('', `subgraph ${sg.index}${sg.name ? ` '${sg.name}'` : ''}: inputs ${list(sg.inputs)}, outputs ${list(sg.outputs)}`);
    out.push(`operators (${sg.operators.length}):`);
    out.push(
      ...table(
        ['#', 'op', 'version', 'inputs', 'outputs', 'options'],
        sg.operators.map((op) => [String(op.index), op.op, String(op.version), op.inputs.join(','), op.outputs.join(','), optionText(op.options?.fields)]),
      ),
    );
    out.push(`tensors (${sg.tensors.length}):`);
    out.push(
      ...table(
        ['#', 'name', 'dtype', 'shape', 'buffer', 'bytes', 'quantization'],
        sg.tensors.map((t) => [String(t.index), t.name ?? '', t.dtype, shape(t), String(t.buffer), grouped(t.bufferSize), quantText(t.quantization)]),
      ),
    );
  }
  const total = m.buffers.reduce((a, b) => a + b.size, 0);
  const largest = m.buffers.reduce((a, b) => (b.size > a.size ? b : a), { index: -1, size: 0 });
  out.push('', `buffers (${m.buffers.length}): ${grouped(total)} bytes of data${largest.index >= 0 ? `, the largest buffer ${largest.index} (${grouped(largest.size)} bytes)` : ''}`);
  for (const e of m.metadata) out.push(`metadata '${e.name ?? ''}': buffer ${e.buffer}${e.value !== undefined ? ` = ${e.value}` : ''}`);
  return out.join('\n') + '\n';
}

const shape = (t: InspectedTensor) => `[${t.shape.join(',')}]` + (t.shapeSignature && t.shapeSignature.some((d, i) => d !== t.shape[i]) ? ` (signature [${t.shapeSignature.join(',')}])` : '');
const tensorType = (t: InspectedTensor | undefined) => (t ? `${t.dtype} ${shape(t)}` : 'missing');

async function inspectModelJson(model: string, o: InspectOptions): Promise<void> {
  const [{ Converter }, ir, { existsSync }, { CliError }] = await Promise.all([import('@octet/converter'), import('@octet/ir'), import('node:fs'), import('../errors.ts')]);
  if (!existsSync(model)) throw new CliError(`cannot read '${model}': no such file or directory`);
  const graph = await Converter.fromModelJson(model, o.inputShape ? { inputShape: o.inputShape } : {}).convertToGraph();
  const text = ir.print(graph, { elideConstantsAbove: 16 });
  if (o.json) {
    process.stdout.write(JSON.stringify(graphSummary(graph, ir.numElements, text), null, 2) + '\n');
    return;
  }
  const s = graphSummary(graph, ir.numElements, text);
  const io = (xs: typeof s.inputs) => xs.map((v) => `${v.name ?? '?'} ${v.dtype}[${v.shape.join(',')}]`).join(', ');
  const ops = Object.entries(s.opCounts)
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
  process.stdout.write(
    [
      `${model}: graph @${graph.name}, ${graph.ops.length} ops after canonicalization (${ops}), ${grouped(s.parameters)} parameters in ${s.constants} constants`,
      `inputs: ${io(s.inputs)}`,
      `outputs: ${io(s.outputs)}`,
      '',
      text.trimEnd(),
      '',
    ].join('\n'),
  );
}

function graphSummary(graph: Graph, numElements: (s: readonly number[]) => number, ir: string) {
  const value = (v: Graph['inputs'][number]) => ({ name: v.name ?? null, dtype: v.type.dtype, shape: v.type.shape, ...(v.type.quant ? { quant: v.type.quant } : {}) });
  const opCounts: Record<string, number> = {};
  for (const op of graph.ops) opCounts[op.kind] = (opCounts[op.kind] ?? 0) + 1;
  const constants = graph.constants();
  return {
    format: 'tfjs model.json (Octet IR after canonicalization)',
    graph: graph.name,
    inputs: graph.inputs.map(value),
    outputs: graph.outputs.map(value),
    opCounts,
    ops: graph.ops.map((op) => ({ kind: op.kind, ...(op.loc ? { from: op.loc } : {}), attrs: op.attrs, outputs: op.outputs.map(value) })),
    constants: constants.length,
    parameters: constants.reduce((a, c) => a + numElements(c.type.shape), 0),
    ir,
  };
}
