import { IrError, OctetError } from '@octet/ir';
import { describe, expect, it } from 'vitest';
import { reportError } from '../src/report.ts';

async function report(e: unknown): Promise<{ code: number; text: string }> {
  let text = '';
  const code = await reportError(e, (t) => (text += t));
  return { code, text };
}

describe('reportError', () => {
  it('prints an OctetError as one octet:-prefixed line, exit 1, no stack', async () => {
    const r = await report(new IrError("'conv_2d' op filter must have rank 4, got f32[3]: fix the importer"));
    expect(r).toEqual({ code: 1, text: "octet: 'conv_2d' op filter must have rank 4, got f32[3]: fix the importer\n" });
  });

  it('prints each problem of a multi-problem error on its own prefixed line', async () => {
    const r = await report(new OctetError('first problem\nsecond problem'));
    expect(r).toEqual({ code: 1, text: 'octet: first problem\noctet: second problem\n' });
  });

  it('treats any other exception as a bug: says so, keeps the stack, exit 2', async () => {
    const r = await report(new TypeError('x is undefined'));
    expect(r.code).toBe(2);
    expect(r.text).toMatch(/^octet: internal error \(a bug in Octet; please report it with what follows\)\nTypeError: x is undefined\n\s+at /);
  });
});

describe('reportError with the errors of packages that import nothing of ours', () => {
  it('prints a DataError (from @octet/data) as one octet: line, exit 1', async () => {
    const { DataError } = await import('@octet/data');
    const r = await report(new DataError('x.npy', 'the .npy array is float64, float32 is needed: save it with x.astype(np.float32)'));
    expect(r).toEqual({ code: 1, text: 'octet: x.npy: the .npy array is float64, float32 is needed: save it with x.astype(np.float32)\n' });
  });

  it('prints a LiteRtError (from @octet/litert) as one octet: line, exit 1', async () => {
    const { LiteRtError } = await import('@octet/litert');
    const r = await report(new LiteRtError("LiteRT could not compile the model: Node number 1 (CONV_2D) failed to prepare"));
    expect(r).toEqual({ code: 1, text: 'octet: LiteRT could not compile the model: Node number 1 (CONV_2D) failed to prepare\n' });
  });
});
