import { OctetError } from '@octet/ir';

/**
 * What to quantize, as plain data (the converter and the CLI fill it from their options); the
 * recipe half of init / calibrate / materialize. `quantizationPipeline` turns it into pass names.
 */
export interface QuantizationRecipe {
  /** float: none; dynamic: int8 weights, float activations; float16: half weights; int8: full integer. */
  mode: 'float' | 'dynamic' | 'float16' | 'int8';
  /** int8 only: fail on any op without an int8 kernel instead of keeping it float. */
  integerOnly: boolean;
  inputType: 'float32' | 'int8' | 'uint8';
  outputType: 'float32' | 'int8' | 'uint8';
  /** fully_connected weights per output channel (TensorFlow's default) or, when false, per tensor. */
  perChannelDense: boolean;
  /** int8 only: the calibration observer (minmax: TFLite's; mse: Octet's clipping of two-signed ranges). */
  calibration?: 'minmax' | 'mse';
  /** int8 only: move each weighted op's mean weight-rounding error into its bias (correct-bias). */
  biasCorrection?: boolean;
}

export const DEFAULT_RECIPE: Readonly<QuantizationRecipe> = Object.freeze({
  mode: 'float',
  integerOnly: false,
  inputType: 'float32',
  outputType: 'float32',
  perChannelDense: true,
});

export class RecipeError extends OctetError {
  override name = 'RecipeError';
}

/**
 * The passes that quantize a canonicalized float graph, in order (options inline, `name{key=value}`).
 * An int8 pipeline contains `calibrate`: run it with `runPipelineAsync` and a representative dataset
 * in `calibration`. With integerOnly, the legality check runs before calibration, so that a model
 * that cannot be integer fails at once, listing every offending op.
 */
export function quantizationPipeline(recipe: QuantizationRecipe): string[] {
  const { mode, integerOnly, inputType, outputType, perChannelDense, calibration = 'minmax', biasCorrection = false } = recipe;
  const dense = perChannelDense ? '' : '{dense=per-tensor}';
  if (mode !== 'int8') {
    if (integerOnly) throw new RecipeError(`integer-only conversion needs mode int8 (got ${mode}): give a representative dataset and --mode int8, or drop --integer-only`);
    if (calibration !== 'minmax' || biasCorrection) {
      throw new RecipeError(`${biasCorrection ? 'bias correction' : `calibration ${calibration}`} needs mode int8 (got ${mode}): only full integer quantization calibrates`);
    }
    if (inputType !== 'float32' || outputType !== 'float32') {
      throw new RecipeError(`${inputType !== 'float32' ? `input type ${inputType}` : `output type ${outputType}`} needs mode int8 (got ${mode}): only a fully quantized model has int8 or uint8 tensors at its boundary`);
    }
  }
  switch (mode) {
    case 'float':
      return [];
    case 'dynamic':
      return [`quantize-dynamic-range${dense}`];
    case 'float16':
      return ['quantize-float16'];
    case 'int8': {
      const io = [inputType !== 'float32' ? `input=${inputType}` : '', outputType !== 'float32' ? `output=${outputType}` : ''].filter(Boolean);
      return [
        'fold-fake-quant',
        ...(integerOnly ? ['check-int8-legality'] : []),
        calibrateSpec(calibration, biasCorrection),
        ...(biasCorrection ? [`correct-bias${dense}`] : []),
        `quantize-weights${dense}`,
        ...(integerOnly ? [] : ['float-fallback']),
        'quantize-activations',
        ...(io.length ? [`retype-io{${io.join(' ')}}`] : []),
        // Again at the end: whatever still computes in float is reported, not emitted.
        ...(integerOnly ? ['check-int8-legality'] : []),
      ];
    }
  }
}

/** calibrate with its options written out only where they differ from the defaults. */
function calibrateSpec(observer: 'minmax' | 'mse', channelMeans: boolean): string {
  const opts = [observer !== 'minmax' ? `observer=${observer}` : '', channelMeans ? 'channel-means=true' : ''].filter(Boolean);
  return opts.length ? `calibrate{${opts.join(' ')}}` : 'calibrate';
}
