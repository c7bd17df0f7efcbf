export { definePass, type Pass, type PassContext, type PassContextWith, type PassDef } from './pass.ts';
export {
  applyPatterns,
  createRewriter,
  describeOp,
  type ApplyOptions,
  type Pattern,
  type Replacement,
  type Rewriter,
} from './rewriter.ts';
export { PASSES, type PassName } from './registry.ts';
export {
  parsePipeline,
  PassVerificationError,
  resolvePasses,
  runPasses,
  runPassesAsync,
  runPipeline,
  runPipelineAsync,
  type PipelineOptions,
} from './pipeline.ts';
export { PassOptionError } from './options.ts';
// Quantization: the int8 table, parameters, calibration (analysis), recipe → pipeline.
export { INT8_SUPPORT, int8Rule, type Int8Rule, type ResultParams } from './quant/int8-support.ts';
export {
  activationParams,
  BIAS_MAX,
  fakeQuantParams,
  FIXED_PARAMS,
  perTensor,
  quantizeValue,
  weightScale,
  type ExactParams,
} from './quant/params.ts';
export { quantizeBias, quantizeWeightData } from './quant/constants.ts';
export { calibrate, calibrateSync, CalibrationError, type CalibrateOptions } from './quant/calibration.ts';
export { mseObserver } from './quant/mse-observer.ts';
export { OBSERVERS } from './passes/calibrate.ts';
export {
  minMaxObserver,
  type Analyses,
  type CalibrationInput,
  type CalibrationProgress,
  type CalibrationStatistics,
  type DatasetEntry,
  type Observer,
  type RepresentativeDataset,
  type ValueStatistics,
} from './quant/statistics.ts';
export { DEFAULT_RECIPE, quantizationPipeline, RecipeError, type QuantizationRecipe } from './quant/recipe.ts';
