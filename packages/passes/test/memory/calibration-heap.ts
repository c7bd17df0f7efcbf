// Child process of calibration-memory.test.ts (run with --expose-gc): calibrates a small conv model on
// N generated entries and prints the largest live heap seen (after a forced GC every 25 entries).
import { parse } from '@octet/ir';
import { calibrate, minMaxObserver, type Observer } from '@octet/passes';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const n = Number(process.argv[2]);
// The control: an observer that keeps a copy of every activation, which the measurement must catch.
const leaky = process.argv[3] === 'leaky';
type Kept = { kept: Float32Array[]; inner: ReturnType<typeof minMaxObserver.init> };
const leakyObserver: Observer<Kept> = {
  name: 'leaky',
  init: () => ({ kept: [], inner: minMaxObserver.init() }),
  update(s, data) {
    s.kept.push(data.slice());
    minMaxObserver.update(s.inner, data);
  },
  result: (s) => minMaxObserver.result(s.inner),
};

const weights = Array.from({ length: 8 * 3 * 3 * 3 }, (_, i) => ((i * 37) % 17) / 17 - 0.5).join(', ');
const dense = Array.from({ length: 10 * 8 }, (_, i) => ((i * 13) % 11) / 11 - 0.5).join(', ');
const model = parse(`graph @m(%x: f32[1,32,32,3]) {
  %w = const f32[8,3,3,3] [${weights}]
  %c = conv_2d(%x, %w) {fused_activation = "relu", padding = "same", stride_h = 2, stride_w = 2}
  %p = mean(%c) {axes = [1, 2]}
  %d = const f32[10,8] [${dense}]
  %y = fully_connected(%p, %d)
  return %y
}`);

// Fresh arrays per entry, never kept by the dataset: what calibration keeps is all that can grow.
function* entries() {
  for (let i = 0; i < n; i++) {
    const x = new Float32Array(32 * 32 * 3);
    for (let k = 0; k < x.length; k++) x[k] = Math.sin(i * 0.7 + k * 0.01);
    yield [x];
  }
}

let peak = 0;
const measure = () => {
  gc();
  // Typed arrays keep their contents outside the JS heap: count both, or a kept activation is a
  // 100-byte wrapper and the control below passes or fails by chance.
  const m = process.memoryUsage();
  peak = Math.max(peak, m.heapUsed + m.arrayBuffers);
};
measure();
const stats = await calibrate(model, entries(), {
  onProgress: (p) => p.samples % 25 === 0 && measure(),
  ...(leaky ? { observer: leakyObserver as Observer } : {}),
});
measure();
process.stdout.write(JSON.stringify({ samples: stats.samples, values: stats.values.size, peak }));
