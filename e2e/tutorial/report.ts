import type { LayerError } from '@octet/converter';
import { checks } from './checks.ts';
import type { TutorialResult } from './run.ts';
import { agreementText, cells, COLUMNS, percent } from './table.ts';

/** Escapes text for HTML content and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

interface BarItem {
  label: string;
  /** Bar length in [0, 1] of the plot width. */
  fraction: number;
  /** Shown at the end of the bar. */
  text: string;
  cls: string;
  title?: string;
}

const LABEL_W = 230;
const PLOT_W = 420;
const ROW_H = 26;

/** A horizontal bar chart in inline SVG (no script, no external resource). */
function hbars(items: readonly BarItem[], caption: string, axis?: { left: string; right: string }): string {
  const top = axis ? 18 : 4;
  const h = top + items.length * ROW_H + 4;
  const w = LABEL_W + PLOT_W + 120;
  const rows = items.map((it, i) => {
    const y = top + i * ROW_H;
    const bw = Math.max(1, Math.round(PLOT_W * Math.min(1, Math.max(0, it.fraction))));
    return (
      `<text class="label" x="${LABEL_W - 8}" y="${y + 16}" text-anchor="end">${esc(it.label)}</text>` +
      `<rect class="${it.cls}" x="${LABEL_W}" y="${y + 3}" width="${bw}" height="${ROW_H - 8}" rx="2">` +
      `<title>${esc(it.title ?? `${it.label}: ${it.text}`)}</title></rect>` +
      `<text class="value" x="${LABEL_W + bw + 6}" y="${y + 16}">${esc(it.text)}</text>`
    );
  });
  const axisMarks = axis
    ? `<text class="axis" x="${LABEL_W}" y="12">${esc(axis.left)}</text><text class="axis" x="${LABEL_W + PLOT_W}" y="12" text-anchor="end">${esc(axis.right)}</text>` +
      `<line class="axis" x1="${LABEL_W}" y1="${top}" x2="${LABEL_W}" y2="${h - 4}"/>`
    : '';
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(caption)}">${axisMarks}${rows.join('')}</svg><figcaption>${esc(caption)}</figcaption></figure>`;
}

function table(r: TutorialResult): string {
  const head = `<tr>${COLUMNS.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const body = r.rows.map((row) => `<tr>${cells(row).map((s, i) => `<td${i === 0 || i === 4 ? '' : ' class="num"'}>${esc(s)}</td>`).join('')}</tr>`);
  const notes = r.rows.filter((x) => x.evaluation?.liteRtNote).map((x) => `<li>${esc(x.label)}: LiteRT ${esc(x.evaluation!.liteRtNote!)}</li>`);
  return `<table class="results"><thead>${head}</thead><tbody>${body.join('')}</tbody></table>${notes.length ? `<ul class="notes">${notes.join('')}</ul>` : ''}`;
}

function sizes(r: TutorialResult): string {
  const max = Math.max(...r.rows.map((x) => x.bytes));
  const float = r.rows.find((x) => x.id === 'float')?.bytes;
  return hbars(
    r.rows.map((x) => ({
      label: x.label,
      fraction: x.bytes / max,
      text: `${x.bytes.toLocaleString('en-US')} B${float && x.id !== 'float' ? ` (${(float / x.bytes).toFixed(1)}× smaller)` : ''}`,
      cls: `size-bar ${x.id}`,
    })),
    'Size of each .tflite file, bytes',
  );
}

function accuracy(r: TutorialResult): string {
  const evals = r.rows.filter((x) => x.evaluation);
  if (!evals.length) return '<p>No variant evaluated.</p>';
  const values = evals.flatMap((x) => [x.evaluation!.accuracyOurs, x.evaluation!.accuracyLiteRt ?? x.evaluation!.accuracyOurs]);
  // Zoomed axis: whole percentage points from just below the worst accuracy to 100%.
  const lo = Math.max(0, Math.floor(100 * Math.min(...values) - 0.5)) / 100;
  const frac = (a: number) => (a - lo) / (1 - lo);
  const items: BarItem[] = evals.flatMap((x) => {
    const e = x.evaluation!;
    const bars: BarItem[] = [{ label: `${x.label} — ours`, fraction: frac(e.accuracyOurs), text: percent(e.accuracyOurs), cls: 'acc-bar ours' }];
    if (e.accuracyLiteRt !== undefined) bars.push({ label: `${x.label} — LiteRT`, fraction: frac(e.accuracyLiteRt), text: percent(e.accuracyLiteRt), cls: 'acc-bar litert' });
    return bars;
  });
  return hbars(items, `Accuracy on ${evals[0].evaluation!.count.toLocaleString('en-US')} test images (axis from ${percent(lo, 0)})`, { left: percent(lo, 0), right: '100%' });
}

const fmt = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 1e-2 && Math.abs(x) < 1e4 ? x.toPrecision(4) : x.toExponential(3));
const db = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} dB` : x > 0 ? '∞ (exact)' : '−∞');

function layerSection(r: TutorialResult): string {
  const layers = r.layers;
  if (!layers.length) return '<p>The quantized model has no quantized value named like a float one.</p>';
  const finite = layers.map((l) => l.sqnrDb).filter(Number.isFinite);
  const max = Math.max(10, ...finite.map((x) => Math.ceil(x / 10) * 10));
  const worst = Math.min(...layers.map((l) => l.sqnrDb));
  const chart = hbars(
    layers.map((l) => ({
      label: `${l.name} (${l.op})`,
      fraction: Number.isFinite(l.sqnrDb) ? Math.max(0, l.sqnrDb) / max : l.sqnrDb > 0 ? 1 : 0,
      text: db(l.sqnrDb),
      cls: `sqnr-bar${l.sqnrDb === worst ? ' worst' : ''}`,
      title: `${l.name}: SQNR ${db(l.sqnrDb)}, RMSE ${fmt(l.rmse)} (${l.rmseOverScale.toFixed(3)} steps)`,
    })),
    `SQNR per quantized layer (higher is better), ${r.layersOf} model vs float, ${r.layerSamples} test images`,
    { left: '0 dB', right: `${max} dB` },
  );
  const head = ['layer', 'op', 'dtype', 'scale', 'zero point', 'range used', 'range seen', 'RMSE', 'RMSE / scale', 'SQNR'];
  const row = (l: LayerError) =>
    [
      l.name,
      l.op,
      l.dtype,
      l.scale.length === 1 ? fmt(l.scale[0]) : `${l.scale.length} per axis ${l.axis}`,
      l.zeroPoint.length === 1 ? String(l.zeroPoint[0]) : '…',
      `[${fmt(l.rangeUsed[0])}, ${fmt(l.rangeUsed[1])}]`,
      `[${fmt(l.rangeSeen[0])}, ${fmt(l.rangeSeen[1])}]`,
      fmt(l.rmse),
      l.rmseOverScale.toFixed(3),
      db(l.sqnrDb),
    ];
  const rows = layers.map((l) => `<tr${l.sqnrDb === worst ? ' class="worst"' : ''}>${row(l).map((s, i) => `<td${i >= 3 ? ' class="num"' : ''}>${esc(s)}</td>`).join('')}</tr>`);
  return (
    chart +
    `<table class="layers"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>` +
    '<p class="note">Each quantized value is dequantized (scale × (q − zero point)) and compared with the float model\'s value of the same tensor name. ' +
    'SQNR = 10·log10(Σ float² / Σ error²) over all images; RMSE / scale is the error in quantization steps (rounding alone gives about 0.29). The worst layer is highlighted.</p>'
  );
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1000px;padding:0 1rem;color:#1d2330;background:#fff}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #dde;padding-bottom:.2rem}
.sub{color:#556;margin-top:0}table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.3rem .6rem;border-bottom:1px solid #e4e6ef;text-align:left;white-space:nowrap}
th{background:#f3f4f8;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}tr.worst td{background:#fff3e6}
figure{margin:.5rem 0}figcaption{color:#556;font-size:.9rem}svg text{font:12px system-ui,sans-serif;fill:#1d2330}svg text.axis{fill:#778}line.axis{stroke:#99a}
rect.size-bar{fill:#5b7fd6}rect.size-bar.float{fill:#9aa6bf}rect.acc-bar.ours{fill:#3f9f6f}rect.acc-bar.litert{fill:#8fc9a9}rect.sqnr-bar{fill:#7b68c9}rect.sqnr-bar.worst{fill:#e08a2c}
ul.checks{list-style:none;padding-left:0}ul.checks li.ok::before{content:"✓ ";color:#2a8a4a}ul.checks li.bad::before{content:"✗ ";color:#c33}.note,.notes{color:#556;font-size:.9rem}
`;

/** The tutorial's report: one HTML file, inline CSS and SVG, no script and no external resource. */
export function renderReport(r: TutorialResult): string {
  const t = r.training;
  const hist = t.history.map((h) => `epoch ${h.epoch}: loss ${h.loss.toFixed(4)}, accuracy ${percent(h.accuracy)}`).join('; ');
  const checkItems = checks(r).map((line) => `<li class="${line.startsWith('✓') ? 'ok' : 'bad'}">${esc(line.slice(2))}</li>`);
  const s = r.seconds;
  const floatAgreement = r.rows.find((x) => x.id === 'float')?.evaluation?.agreement;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,"><title>Octet — MNIST post-training quantization</title><style>${CSS}</style></head>
<body>
<h1>MNIST post-training integer quantization, with Octet</h1>
<p class="sub">TensorFlow's tutorial in TypeScript: ${t.trainImages.toLocaleString('en-US')} training images, ${r.options.epochs} epoch${r.options.epochs === 1 ? '' : 's'} on ${esc(t.backend)} (seed ${r.options.seed}), ${percent(t.testAccuracyTfjs)} in tfjs on ${t.testImages.toLocaleString('en-US')} test images; five conversions, each run by Octet's interpreter and by LiteRT.</p>
<h2>Results</h2>
${table(r)}
<h2>Model size</h2>
${sizes(r)}
<h2>Accuracy</h2>
${accuracy(r)}
<h2>Per-layer quantization error</h2>
${layerSection(r)}
<h2>Checks</h2>
<ul class="checks">${checkItems.join('')}</ul>
<p class="note">Training: ${esc(hist)}. Float agreement: ${esc(agreementText(floatAgreement))}.
Wall time ${s.total.toFixed(1)} s: data ${s.load.toFixed(1)} s, training ${s.train.toFixed(1)} s, conversions ${s.convert.toFixed(1)} s, evaluation ${s.evaluate.toFixed(1)} s, layer errors ${s.layers.toFixed(1)} s.</p>
</body></html>
`;
}
