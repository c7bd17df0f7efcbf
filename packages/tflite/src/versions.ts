import { BuiltinOperator as B } from './generated/tflite.ts';

/**
 * The TFLite runtime that first ran each version of the builtin ops Octet writes (TensorFlow's
 * runtime-version table, restricted to our ops and those about to join them). A model's
 * `min_runtime_version` metadata is the highest entry among its operator codes; a (code, version)
 * pair missing here is skipped, as TensorFlow's converter does.
 */
const RUNTIME_VERSIONS: Readonly<Record<number, readonly string[]>> = {
  // index i holds version i + 1
  [B.ADD]: ['1.5.0', '1.14.0', '2.4.0', '2.6.0', '2.13.0', '2.23.0'],
  [B.AVERAGE_POOL_2D]: ['1.5.0', '1.14.0', '2.3.0'],
  [B.CONCATENATION]: ['1.5.0', '1.14.0', '2.3.0', '2.14.0', '2.21.0'],
  [B.CONV_2D]: ['1.5.0', '1.14.0', '1.14.0', '2.3.0', '2.4.0', '2.9.0', '2.11.0', '2.15.0'],
  [B.DEPTHWISE_CONV_2D]: ['1.5.0', '1.12.0', '1.14.0', '2.2.0', '2.3.0', '2.3.0', '2.11.0'],
  [B.DEQUANTIZE]: ['1.13.1', '1.14.0', '1.15.0', '2.2.0', '2.7.0', '2.18.0', '2.21.0', '2.22.0'],
  [B.DIV]: ['1.6.0', '2.3.0'],
  [B.FULLY_CONNECTED]: ['1.5.0', '1.10.0', '1.14.0', '1.14.0', '2.0.0', '2.1.0', '2.3.0', '2.3.0', '2.3.0', '2.11.0', '2.15.0', '2.17.0', '2.18.0', '2.21.0'],
  [B.LOGISTIC]: ['1.14.0', '1.14.0', '2.3.0'],
  [B.MAX_POOL_2D]: ['1.5.0', '1.14.0', '2.3.0'],
  [B.MAXIMUM]: ['1.14.0', '1.14.0', '2.3.0', '2.3.0'],
  [B.MEAN]: ['1.6.0', '1.14.0', '2.4.0'],
  [B.MINIMUM]: ['1.14.0', '1.14.0', '2.3.0', '2.3.0'],
  [B.MUL]: ['1.5.0', '1.14.0', '1.15.0', '2.3.0', '2.6.0', '2.11.0', '2.13.0', '2.23.0'],
  [B.PAD]: ['1.5.0', '1.14.0', '2.4.0', '2.6.0', '2.20.0'],
  [B.QUANTIZE]: ['1.14.0', '1.15.0', '2.7.0', '2.21.0', '2.21.0', '2.21.0'],
  [B.REDUCE_MAX]: ['1.11.0', '1.14.0', '2.5.0'],
  [B.RELU]: ['1.5.0', '2.1.0', '2.5.0'],
  [B.RELU6]: ['1.5.0', '1.14.0', '2.5.0'],
  [B.RESHAPE]: ['1.5.0'],
  [B.RESIZE_NEAREST_NEIGHBOR]: ['1.13.1', '1.14.0', '2.3.0', '2.4.0'],
  [B.SOFTMAX]: ['1.5.0', '1.14.0', '2.3.0'],
  [B.SQUEEZE]: ['1.6.0', '2.5.0'],
  [B.SUB]: ['1.6.0', '1.14.0', '2.3.0', '2.4.0', '2.4.0'],
  [B.TANH]: ['1.14.0', '1.14.0', '2.3.0'],
  [B.TRANSPOSE]: ['1.6.0', '1.14.0', '1.15.0', '2.3.0', '2.4.0', '2.12.0', '2.14.4', '2.22.0'],
};

export function runtimeVersionOf(code: number, version: number): string | undefined {
  return RUNTIME_VERSIONS[code]?.[version - 1];
}

/** Dotted versions compared numerically, part by part; a prefix sorts first ("1.5" < "1.5.0"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return pa.length - pb.length;
}

/** The minimum runtime version of a set of (code, version) operator codes, or '' when none is known. */
export function minRuntimeVersion(codes: readonly { code: number; version: number }[]): string {
  let best = '';
  for (const c of codes) {
    const v = runtimeVersionOf(c.code, c.version);
    if (v !== undefined && (best === '' || compareVersions(best, v) < 0)) best = v;
  }
  return best;
}
