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
export type { Analyses, CalibrationInput, CalibrationProgress, CalibrationStatistics, DatasetEntry, Observer, RepresentativeDataset, ValueStatistics } from './quant/statistics.ts';
export { minMaxObserver } from './quant/statistics.ts';
