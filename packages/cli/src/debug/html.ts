import type { LayerError } from '@octet/converter';

export interface DebugReport {
  model: string;
  samples: number;
  arithmetic: string;
  layers: LayerError[];
  flags: string[][];
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const sqnrText = (db: number) => (Number.isFinite(db) ? `${db.toFixed(1)} dB` : db > 0 ? '∞ (exact)' : `${db} dB`);
export const g4 = (x: number) => String(Number(x.toPrecision(4)));
export const rangeText = ([lo, hi]: readonly [number, number]) => `[${g4(lo)}, ${g4(hi)}]`;
export const paramsText = (l: LayerError) => (l.scale.length === 1 ? [g4(l.scale[0]), String(l.zeroPoint[0])] : [`per axis ${l.axis} (${l.scale.length})`, '']);

const BAR_W = 420;
const ROW_H = 22;
const LABEL_W = 220;

/**
 * The SQNR of each quantized layer as horizontal bars, one `<rect class="sqnr-bar">` per layer, in
 * graph order; longer is better. Exact layers (infinite SQNR) get the full width; the scale is the
 * largest finite SQNR (at least 1 dB), negative values draw no length.
 */
export function sqnrChart(layers: readonly LayerError[], flags: readonly string[][]): string {
  const finite = layers.map((l) => l.sqnrDb).filter(Number.isFinite);
  const top = Math.max(1, ...finite);
  const h = layers.length * ROW_H + 30;
  const rows = layers.map((l, i) => {
    const y = i * ROW_H + 4;
    const w = Number.isFinite(l.sqnrDb) ? (BAR_W * Math.max(0, l.sqnrDb)) / top : l.sqnrDb > 0 ? BAR_W : 0;
    const flagged = flags[i]?.length ? ' flagged' : '';
    return (
      `<text x="${LABEL_W - 6}" y="${y + 14}" text-anchor="end">${escapeHtml(`${l.name} (${l.op})`)}</text>` +
      `<rect class="sqnr-bar${flagged}" x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${ROW_H - 6}" data-layer="${escapeHtml(l.name)}" data-sqnr="${l.sqnrDb}"><title>${escapeHtml(`${l.name}: ${sqnrText(l.sqnrDb)}`)}</title></rect>` +
      `<text x="${LABEL_W + w + 4}" y="${y + 14}">${escapeHtml(sqnrText(l.sqnrDb))}</text>`
    );
  });
  const axisY = layers.length * ROW_H + 8;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="SQNR per layer" width="${LABEL_W + BAR_W + 110}" height="${h}" font-family="sans-serif" font-size="12">` +
    rows.join('') +
    `<line x1="${LABEL_W}" y1="${axisY}" x2="${LABEL_W + BAR_W}" y2="${axisY}" stroke="#888"/>` +
    `<text x="${LABEL_W}" y="${axisY + 16}">0 dB</text><text x="${LABEL_W + BAR_W}" y="${axisY + 16}" text-anchor="end">${g4(top)} dB</text>` +
    `</svg>`
  );
}

/** A self-contained page (no script, no network): the summary, the chart and the table. */
export function renderDebugHtml(r: DebugReport): string {
  const head = ['layer', 'op', 'dtype', 'scale', 'zero point', 'range used', 'range seen', 'RMSE', 'RMSE / scale', 'SQNR', 'flags'];
  const rows = r.layers.map((l, i) => {
    const [scale, zp] = paramsText(l);
    const cells = [l.name, l.op, l.dtype, scale, zp, rangeText(l.rangeUsed), rangeText(l.rangeSeen), g4(l.rmse), g4(l.rmseOverScale), sqnrText(l.sqnrDb), r.flags[i].join(', ')];
    return `<tr${r.flags[i].length ? ' class="flagged"' : ''}>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Octet quantization debugger: ${escapeHtml(r.model)}</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 13px; }
td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
tr.flagged td { background: #fff1e6; }
.sqnr-bar { fill: #4e79a7; }
.sqnr-bar.flagged { fill: #e15759; }
</style>
</head>
<body>
<h1>Quantization error per layer</h1>
<p>${escapeHtml(r.model)}: the float graph and the int8 graph on ${r.samples} sample${r.samples === 1 ? '' : 's'} (${escapeHtml(r.arithmetic)} arithmetic). SQNR = 10·log10(Σ float² / Σ (dequantized − float)²); higher is better. RMSE / scale is the error in quantization steps (rounding alone: 0.29).</p>
<h2>SQNR per layer</h2>
${sqnrChart(r.layers, r.flags)}
<h2>Layers</h2>
<table>
<thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</body>
</html>
`;
}
