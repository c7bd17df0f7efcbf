// npm run bench [-- --quick] [-- --models mnist] [-- --profile octet:mnist:int8] [-- --stages]
// Converts each model (float and int8) with `octet convert` in a measured child process, then times every runtime on
// every file in a child process of its own, prints the tables and writes bench-results/*.json.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { writeNpy } from '@octet/data';
import { DEFAULT_TIMING, type TimingOptions } from './measure.ts';
import { MODEL_NAMES, MODELS, PRECISIONS, BENCH_IMAGES, CALIBRATION_SAMPLES, type ModelName, type Precision } from './models.ts';
import { failureReason, lastJsonLine, runMeasured } from './process.ts';
import { calibrationTable, checkTargets, conversionTable, ratioToLiteRt, targetLines, throughputTable, type CalibrationRow, type ConversionRow, type PairedRow, type ThroughputRow } from './report.ts';
import { RUNTIMES, type Runtime, type ThroughputResult } from './throughput-job.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(HERE, '..', '..', '..');
const QUICK: TimingOptions = { warmupMs: 300, warmupRuns: 2, rounds: 3, roundMs: 300 };

const program = new Command('bench')
  .description('Images per second of our interpreter, LiteRT and tfjs side by side, and the cost of int8 conversions')
  .option('--models <names>', `comma-separated subset of ${MODEL_NAMES.join(',')}`, MODEL_NAMES.join(','))
  .option('--runtimes <names>', `comma-separated subset of ${RUNTIMES.join(',')}`, RUNTIMES.join(','))
  .option('--quick', `short timing (${JSON.stringify(QUICK)}) for a smoke run; the numbers are noisier`)
  .option('--profile <cell>', 'also write a V8 CPU profile of one cell, e.g. octet:mnist:int8, under bench-results/profiles/')
  .option('--stages', 'also run each conversion through the Converter API to split its time by stage (start-up, import, calibrate, ...)')
  .option('--out <dir>', 'where results go', join(HERE, '..', 'bench-results'))
  .parse();
const opts = program.opts<{ models: string; runtimes: string; quick?: boolean; profile?: string; stages?: boolean; out: string }>();
const models = opts.models.split(',') as ModelName[];
const runtimes = opts.runtimes.split(',') as Runtime[];
const timing = opts.quick ? QUICK : DEFAULT_TIMING;
for (const m of models) if (!MODEL_NAMES.includes(m)) program.error(`unknown model '${m}': use ${MODEL_NAMES.join(', ')}`);
for (const r of runtimes) if (!RUNTIMES.includes(r)) program.error(`unknown runtime '${r}': use ${RUNTIMES.join(', ')}`);

const modelsDir = join(opts.out, 'models');
mkdirSync(modelsDir, { recursive: true });
const node = (script: string, ...args: string[]) => [process.execPath, '--import', 'tsx', join(HERE, script), ...args];
const log = (s: string) => process.stderr.write(s);

function runJob(argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// 1. Conversions, each a whole measured process: `octet convert`, as a user runs it. With --stages,
//    the same conversion again through the Converter API (convert-job.ts), split by stage.
const conversions: ConversionRow[] = [];
const files = new Map<string, string>();
const octetBin = join(ROOT, 'node_modules', '.bin', 'octet');
for (const model of models) {
  const spec = MODELS[model];
  const modelJson = spec.modelJson(modelsDir);
  // the representative dataset as the CLI reads it: float32 .npy, one sample per row
  const npy = join(modelsDir, `${model}_representative.npy`);
  const samples = spec.representative(CALIBRATION_SAMPLES);
  const flat = new Float32Array(samples.reduce((n, x) => n + x.length, 0));
  samples.forEach((x, i) => flat.set(x, i * x.length));
  writeNpy(npy, { shape: [samples.length, ...spec.imageShape], data: flat });
  for (const precision of PRECISIONS) {
    const out = join(modelsDir, `${model}_${precision}.tflite`);
    const int8 = precision === 'int8' ? ['--mode', 'int8', '--representative', npy, '--integer-only', '--input-type', 'uint8', '--output-type', 'uint8'] : [];
    const argv = [process.execPath, octetBin, 'convert', modelJson, '-o', out, ...int8];
    const command = ['octet', ...argv.slice(2)].map((a) => a.replace(ROOT + '/', '')).join(' ');
    log(`convert ${model} ${precision} ... `);
    const load = loadavg()[0];
    const run = await runMeasured(argv, { cwd: ROOT });
    // "<out>: <n> bytes, <what>, converted in <ms> ms"
    const summary = /: (\d+) bytes, .*converted in (\d+) ms/.exec(run.stdout);
    if (run.exitCode !== 0 || !summary) {
      const reason = failureReason(run.stderr || run.stdout, run.exitCode);
      conversions.push({ model, precision, tool: 'octet convert', command, status: 'not available', reason });
      log(`not available: ${reason}\n`);
      continue;
    }
    files.set(`${model}/${precision}`, out);
    let stages: Record<string, number> | undefined;
    if (opts.stages) {
      const job = await runMeasured(node('convert-job.ts', model, precision, join(modelsDir, `${model}_${precision}.api.tflite`), modelsDir), { cwd: ROOT });
      const r = lastJsonLine<{ startupMs: number; stages: Record<string, number> }>(job.stdout);
      if (r) stages = { 'start-up': r.startupMs, ...r.stages };
    }
    const row = { wallMs: run.wallMs, peakRssBytes: run.peakRssBytes, memoryMethod: run.memoryMethod, bytes: Number(summary[1]), convertMs: Number(summary[2]), load };
    conversions.push({ model, precision, tool: 'octet convert', command, status: 'ok', ...row, ...(stages ? { stages } : {}) });
    log(`${(run.wallMs / 1000).toFixed(2)} s\n`);
  }
}

// 1b. Calibration alone, with the interpreter's default (fast) kernels, as octet convert runs it, and
//     with the reference kernels alone.
const calibration: CalibrationRow[] = [];
for (const model of models) {
  const file = files.get(`${model}/float`);
  for (const runtime of ['octet', 'octet-reference'] as const) {
    if (!runtimes.includes(runtime)) continue;
    if (!file) {
      calibration.push({ model, runtime, status: 'not available', reason: 'no float .tflite' });
      continue;
    }
    log(`calibrate ${runtime} ${model} ... `);
    const run = await runJob(node('calibration-job.ts', runtime, model, file));
    const r = lastJsonLine<{ ms: number; samples: number }>(run.stdout);
    if (run.code === 0 && r) {
      calibration.push({ model, runtime, status: 'ok', ...r });
      log(`${(r.ms / 1000).toFixed(2)} s\n`);
    } else {
      const reason = failureReason(run.stderr, run.code);
      calibration.push({ model, runtime, status: 'not available', reason });
      log(`not available: ${reason}\n`);
    }
  }
}

// 2. Throughput, one child process per cell.
const throughput: ThroughputRow[] = [];
for (const model of models) {
  for (const precision of PRECISIONS) {
    for (const runtime of runtimes) {
      if (runtime === 'tfjs' && precision !== 'float') continue; // tfjs runs the float model only
      const key = { model, precision, runtime };
      const file = runtime === 'tfjs' ? MODELS[model].modelJson(modelsDir) : files.get(`${model}/${precision}`);
      if (!file) {
        const failed = conversions.find((c) => c.model === model && c.precision === precision);
        throughput.push({ ...key, status: 'not available', reason: `no ${precision} .tflite: ${failed?.status === 'not available' ? failed.reason : 'not converted'}` });
        continue;
      }
      const cellName = `${runtime}:${model}:${precision}`;
      // one profile per thread (the main thread, tsx's loader thread): read the largest
      const profile = opts.profile === cellName ? ['--cpu-prof', '--cpu-prof-dir', join(opts.out, 'profiles', cellName.replaceAll(':', '_'))] : [];
      const argv = [process.execPath, ...profile, '--import', 'tsx', join(HERE, 'throughput-job.ts'), runtime, model, precision, file, JSON.stringify(timing)];
      log(`time ${cellName} ... `);
      const load = loadavg()[0];
      const run = await runJob(argv);
      const result = lastJsonLine<ThroughputResult>(run.stdout);
      if (run.code === 0 && result) {
        throughput.push({ ...key, status: 'ok', backend: result.backend, inputDtype: result.inputDtype, timing: result.timing, load });
        log(`${Math.round(result.timing.imagesPerSecond)}/s\n`);
      } else {
        const reason = failureReason(run.stderr, run.code);
        throughput.push({ ...key, status: 'not available', reason });
        log(`not available: ${reason}\n`);
      }
    }
  }
}

// 2b. The int8 targets, paired: ours and LiteRT in one process, rounds interleaved (load-proof ratios).
const paired: PairedRow[] = [];
if (runtimes.includes('litert')) {
  for (const model of models) {
    const file = files.get(`${model}/int8`);
    if (!file) continue;
    for (const runtime of ['octet', 'octet-reference'] as const) {
      if (!runtimes.includes(runtime)) continue;
      log(`pair ${runtime} with litert on ${model} int8 ... `);
      const run = await runJob(node('paired-job.ts', runtime, model, file, JSON.stringify(timing)));
      const r = lastJsonLine<{ ratio: number; ratios: number[]; ours: number; litert: number }>(run.stdout);
      if (run.code === 0 && r) {
        paired.push({ model, runtime, ...r });
        log(`${r.ratio.toFixed(3)}×\n`);
      } else log(`not available: ${failureReason(run.stderr, run.code)}\n`);
    }
  }
}

// 3. Report.
const targets = checkTargets(throughput, conversions, paired);
const backends = [...new Map(throughput.filter((r) => r.status === 'ok').map((r) => [r.runtime, r.status === 'ok' ? r.backend : ''])).entries()];
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const git = (args: string[]) => {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
};
const timestamp = new Date().toISOString();
const results = {
  schema: 1,
  timestamp,
  git: { commit: git(['rev-parse', 'HEAD']), dirty: (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '' },
  machine: { cpu, cores: cpus().length, memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${process.platform}-${process.arch}` },
  timing,
  batch: 1,
  inputs: Object.fromEntries(models.map((m) => [m, { images: MODELS[m].inputs, distinct: BENCH_IMAGES[m], calibration: `${CALIBRATION_SAMPLES} samples: ${MODELS[m].calibration}` }])),
  backends: Object.fromEntries(backends),
  throughput: throughput.map((r) => ({ ...r, ratioToLiteRt: r.runtime === 'litert' ? 1 : ratioToLiteRt(throughput, r.model, r.precision, r.runtime) ?? null })),
  conversions,
  calibration,
  paired,
  targets,
};

const say = (s = '') => console.log(s);
say(`\nOctet bench — ${timestamp}, ${results.git.commit?.slice(0, 10) ?? 'no git'}${results.git.dirty ? ' (dirty)' : ''}`);
say(`${cpu}, ${cpus().length} cores, node ${process.version}; batch 1, one thread each`);
const loads = [...throughput, ...conversions].flatMap((r) => (r.status === 'ok' && r.load !== undefined ? [r.load] : []));
if (loads.length) say(`1-minute load average before each cell: ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)} (other work on this machine slows every runtime alike; each cell's is in the JSON)`);
say(`timing: ${timing.warmupMs} ms warm-up (≥ ${timing.warmupRuns} runs), then the median of ${timing.rounds} rounds of ≥ ${timing.roundMs} ms; ratio = images/s ÷ LiteRT's`);
for (const m of models) say(`inputs, ${m}: ${MODELS[m].inputs}; int8 calibration: ${MODELS[m].calibration}`);
for (const [rt, b] of backends) say(`${rt}: ${b}`);
say('\nThroughput (images/s, ms/image, ratio to LiteRT)');
say(throughputTable(throughput));
say('\nConversion with `octet convert`, whole process (node start-up, tsx, module loading, import, calibration, quantization, emission, writing)');
say(conversionTable(conversions));
const measured = conversions.find((c): c is ConversionRow & { status: 'ok' } => c.status === 'ok');
say(`peak RSS measured with ${measured?.memoryMethod ?? 'n/a'}`);
if (calibration.length) {
  say(`\nCalibration alone: the float model on the ${CALIBRATION_SAMPLES} representative samples with a min/max observer on every value (what the converter's calibrate pass runs, on the default kernels), in-process`);
  say(calibrationTable(calibration));
}
say('\nTargets (issue 5); the throughput ratios come from the paired runs (ours and LiteRT in one process, rounds interleaved)');
say(targetLines(targets));

const json = JSON.stringify(results, null, 2) + '\n';
const stamp = timestamp.replace(/[:.]/g, '-');
writeFileSync(join(opts.out, `${stamp}.json`), json);
// latest.json is the one to compare across commits: only a complete run at full timing replaces it
const complete = !opts.quick && models.length === MODEL_NAMES.length && runtimes.length === RUNTIMES.length;
if (complete) writeFileSync(join(opts.out, 'latest.json'), json);
say(`\nwrote ${join(opts.out, `${stamp}.json`).replace(ROOT + '/', '')}${complete ? ' and latest.json' : ' (not latest.json: a partial or --quick run)'}`);
if (opts.profile) {
  const dir = join(opts.out, 'profiles', opts.profile.replaceAll(':', '_'));
  say(existsSync(dir) ? `profiles (one per thread; the main thread's is the largest): ${dir.replace(ROOT + '/', '')}/` : `profile: cell ${opts.profile} did not run`);
}
