export { definePass, type Pass, type PassContext } from './pass.ts';
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
  runPipeline,
  type PipelineOptions,
} from './pipeline.ts';
