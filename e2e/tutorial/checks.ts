import type { TutorialResult } from './run.ts';
import { percent } from './table.ts';
import type { VariantId } from './variants.ts';

/** The tutorial's claims, checked on this run (✓ or ✗ with the figures). */
export function checks(r: TutorialResult): string[] {
  const row = (id: VariantId) => r.rows.find((x) => x.id === id)?.evaluation;
  const lines: string[] = [];
  const mark = (ok: boolean, text: string) => lines.push(`${ok ? '✓' : '✗'} ${text}`);
  const float = row('float');
  const int8 = row('int8');
  if (float) mark(float.accuracyOurs >= 0.975, `float accuracy ${percent(float.accuracyOurs)} (≥ 97.50% expected after the tutorial's 5 epochs on all images)`);
  if (float && int8) {
    const pp = 100 * Math.abs(float.accuracyOurs - int8.accuracyOurs);
    mark(pp <= 0.2, `float vs integer-only int8 accuracy: ${pp.toFixed(2)} percentage points apart (≤ 0.20)`);
  }
  for (const x of r.rows) {
    const a = x.evaluation?.agreement;
    if (!a) continue;
    mark(a.fraction === 1, `${x.label}: ${a.kind === 'identical' ? 'outputs byte-identical to' : 'argmax equal to'} LiteRT's on ${percent(a.fraction)} of ${x.evaluation!.count.toLocaleString('en-US')} images`);
  }
  return lines;
}
