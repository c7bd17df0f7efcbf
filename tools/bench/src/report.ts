import type { Timing } from './measure.ts';
import { MODELS, type ModelName, type Precision } from './models.ts';
import { RUNTIME_TITLES, RUNTIMES, type Runtime } from './throughput-job.ts';

export type Outcome<T> = ({ status: 'ok' } & T) | { status: 'not available'; reason: string };

export type ThroughputRow = { model: ModelName; precision: Precision; runtime: Runtime } & Outcome<{
  backend: string;
  inputDtype: string;
  timing: Timing;
  /** The machine's 1-minute load average when the cell started (other work slows every runtime). */
  load?: number;
}>;

export type ConversionRow = {
  model: ModelName;
  precision: Precision;
  tool: 'octet convert';
  command: string;
} & Outcome<{
  wallMs: number;
  peakRssBytes: number | undefined;
  memoryMethod: string;
  bytes: number;
  /** What `octet convert` reports for `convert()` itself; the rest of the wall time is start-up, module loading, reading and writing. */
  convertMs: number;
  /** With --stages: the Converter API run split by stage (its start-up first), in ms. */
  stages?: Record<string, number>;
  load?: number;
}>;

/** Our interpreter as it comes (fast kernels) or with `kernels: 'reference'`. */
export type OctetRuntime = 'octet' | 'octet-reference';

export type CalibrationRow = { model: ModelName; runtime: OctetRuntime } & Outcome<{ ms: number; samples: number }>;

export function calibrationTable(rows: readonly CalibrationRow[]): string {
  const body = rows.map((r) => [MODELS[r.model].title, RUNTIME_TITLES[r.runtime], r.status === 'ok' ? `${(r.ms / 1000).toFixed(2)} s` : `not available: ${r.reason}`, r.status === 'ok' ? `${(r.ms / r.samples).toFixed(1)} ms` : '']);
  return table(['model', 'kernels', 'calibration', 'per sample'], body);
}

/** Ours against LiteRT on one int8 file in one process, rounds interleaved (paired-job.ts). */
export interface PairedRow {
  model: ModelName;
  runtime: OctetRuntime;
  /** Median over round pairs of ours ÷ LiteRT. */
  ratio: number;
  ratios: number[];
  ours: number;
  litert: number;
}

export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  met: boolean | undefined;
  /** How far off, when missed. */
  gap?: string;
}

const MiB = 1024 * 1024;

export function rate(rows: readonly ThroughputRow[], model: ModelName, precision: Precision, runtime: Runtime): number | undefined {
  const row = rows.find((r) => r.model === model && r.precision === precision && r.runtime === runtime);
  return row?.status === 'ok' ? row.timing.imagesPerSecond : undefined;
}

/** Images/s of `runtime` divided by LiteRT's on the same model and precision. */
export function ratioToLiteRt(rows: readonly ThroughputRow[], model: ModelName, precision: Precision, runtime: Runtime): number | undefined {
  const mine = rate(rows, model, precision, runtime);
  const theirs = rate(rows, model, precision, 'litert');
  return mine === undefined || theirs === undefined ? undefined : mine / theirs;
}

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const sig = (x: number) => (x >= 100 ? int(x) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** A plain-text table; `left` lists the columns aligned left (text), the others align right (numbers). */
function table(header: string[], rows: string[][], left: readonly number[] = [0, 1]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (left.includes(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function cell(rows: readonly ThroughputRow[], model: ModelName, precision: Precision, runtime: Runtime): string {
  const row = rows.find((r) => r.model === model && r.precision === precision && r.runtime === runtime);
  if (!row) return '—';
  if (row.status !== 'ok') return 'n/a';
  const r = row.timing.imagesPerSecond;
  const ratio = runtime === 'litert' ? undefined : ratioToLiteRt(rows, model, precision, runtime);
  return `${sig(r)}/s ${sig(row.timing.msPerImage)} ms${ratio === undefined ? '' : ` (${ratio.toFixed(2)}×)`}`;
}

/** The side-by-side table: one line per model and precision, one column per runtime; the notes say why a cell is empty. */
export function throughputTable(rows: readonly ThroughputRow[]): string {
  const keys = [...new Map(rows.map((r) => [`${r.model}/${r.precision}`, r] as const)).values()];
  const body = keys.map((k) => [MODELS[k.model].title, k.precision, ...RUNTIMES.map((rt) => cell(rows, k.model, k.precision, rt))]);
  const notes = rows
    .filter((r): r is ThroughputRow & { status: 'not available' } => r.status === 'not available')
    .map((r) => `  n/a ${r.runtime} ${r.model} ${r.precision}: not available: ${r.reason}`);
  return [table(['model', 'precision', ...RUNTIMES.map((rt) => RUNTIME_TITLES[rt])], body), ...notes].join('\n');
}

export function conversionTable(rows: readonly ConversionRow[]): string {
  const body = rows.map((r) => {
    const what = r.precision;
    if (r.status !== 'ok') return [MODELS[r.model].title, what, 'n/a', 'n/a', '', `not available: ${r.reason}`];
    const where =
      `convert() ${(r.convertMs / 1000).toFixed(2)}, the rest ${((r.wallMs - r.convertMs) / 1000).toFixed(2)}` +
      (r.stages ? `; API run: ${Object.entries(r.stages).map(([s, ms]) => `${s} ${(ms / 1000).toFixed(2)}`).join(', ')}` : '');
    return [MODELS[r.model].title, what, `${(r.wallMs / 1000).toFixed(2)} s`, r.peakRssBytes === undefined ? '?' : `${int(r.peakRssBytes / MiB)} MiB`, int(r.bytes), where];
  });
  return table(['model', 'conversion', 'wall', 'peak RSS', 'bytes', 'where the time went (s)'], body, [0, 1, 5]);
}

/** The performance targets of issue 5, checked against this run. */
export function checkTargets(tp: readonly ThroughputRow[], conv: readonly ConversionRow[], paired: readonly PairedRow[] = []): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const conversion = (model: ModelName) => conv.find((c) => c.model === model && c.precision === 'int8' && c.tool === 'octet convert');
  const mnist = conversion('mnist');
  if (mnist?.status === 'ok') {
    const wallOk = mnist.wallMs <= 1000;
    const rssOk = mnist.peakRssBytes !== undefined && mnist.peakRssBytes <= 250 * MiB;
    checks.push({
      name: 'convert MNIST int8 (uint8 I/O, 100 samples), whole process',
      target: '≤ 1.0 s wall, ≤ 250 MiB peak RSS',
      measured: `${(mnist.wallMs / 1000).toFixed(2)} s, ${mnist.peakRssBytes === undefined ? '?' : int(mnist.peakRssBytes / MiB)} MiB`,
      met: wallOk && rssOk,
      ...(wallOk && rssOk ? {} : { gap: [wallOk ? '' : `${(mnist.wallMs / 1000).toFixed(2)}× the time`, rssOk ? '' : 'memory over'].filter(Boolean).join(', ') }),
    });
  } else checks.push({ name: 'convert MNIST int8', target: '≤ 1.0 s, ≤ 250 MiB', measured: mnist ? `not available: ${mnist.reason}` : 'not run', met: undefined });
  const mnv2 = conversion('mobilenet_v2');
  if (mnv2?.status === 'ok') {
    const met = mnv2.wallMs <= 11_000;
    checks.push({
      name: 'convert MobileNetV2 int8 (100 samples), whole process',
      target: '≤ 11 s wall',
      measured: `${(mnv2.wallMs / 1000).toFixed(1)} s`,
      met,
      ...(met ? {} : { gap: `${(mnv2.wallMs / 11_000).toFixed(2)}× the target` }),
    });
  } else checks.push({ name: 'convert MobileNetV2 int8', target: '≤ 11 s', measured: mnv2 ? `not available: ${mnv2.reason}` : 'not run', met: undefined });
  // judged on the interpreter as it comes (its default, fast kernels)
  for (const [model, want, runtime] of [['mnist', 1.0, 'octet'], ['mobilenet_v2', 0.25, 'octet']] as const) {
    const pair = paired.find((p) => p.model === model && p.runtime === runtime);
    const ratio = pair?.ratio ?? ratioToLiteRt(tp, model, 'int8', runtime);
    const name = `${runtime} int8 ${model} throughput vs LiteRT (1 thread${pair ? ', paired' : ''})`;
    if (ratio === undefined) {
      const row = tp.find((r) => r.model === model && r.precision === 'int8' && r.runtime === runtime);
      checks.push({ name, target: `≥ ${want.toFixed(2)}× LiteRT`, measured: row?.status === 'not available' ? `not available: ${row.reason}` : 'not run', met: undefined });
      continue;
    }
    const met = ratio >= want;
    const measured = `${ratio.toFixed(3)}×${pair ? ` (${sig(pair.ours)} vs ${sig(pair.litert)} images/s; rounds ${pair.ratios.map((r) => r.toFixed(2)).join(', ')})` : ''}`;
    checks.push({ name, target: `≥ ${want.toFixed(2)}× LiteRT`, measured, met, ...(met ? {} : { gap: `needs ${(want / ratio).toFixed(1)}× faster` }) });
  }
  return checks;
}

export function targetLines(checks: readonly TargetCheck[]): string {
  return checks
    .map((c) => `${c.met === undefined ? '  ?  ' : c.met ? ' met ' : 'MISSED'} ${c.name}: ${c.measured} (target ${c.target})${c.gap ? ` — ${c.gap}` : ''}`)
    .join('\n');
}
