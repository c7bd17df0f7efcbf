import type { Pass } from './pass.ts';
import { calibrate } from './passes/calibrate.ts';
import { correctBias } from './passes/correct-bias.ts';
import { checkInt8Legality } from './passes/check-int8-legality.ts';
import { floatFallback } from './passes/float-fallback.ts';
import { foldBatchNorm } from './passes/fold-batch-norm.ts';
import { foldBiasAdd } from './passes/fold-bias-add.ts';
import { foldConstants } from './passes/fold-constants.ts';
import { foldFakeQuant } from './passes/fold-fake-quant.ts';
import { fuseActivation } from './passes/fuse-activation.ts';
import { quantizeActivations } from './passes/quantize-activations.ts';
import { quantizeDynamicRange } from './passes/quantize-dynamic-range.ts';
import { quantizeFloat16 } from './passes/quantize-float16.ts';
import { quantizeWeights } from './passes/quantize-weights.ts';
import { removeIdentity } from './passes/remove-identity.ts';
import { retypeIo } from './passes/retype-io.ts';

/** Every pass, keyed by its name (a test checks key = name = file name = golden folder). */
export const PASSES = {
  'remove-identity': removeIdentity,
  'fold-batch-norm': foldBatchNorm,
  'fuse-activation': fuseActivation,
  'fold-constants': foldConstants,
  'fold-bias-add': foldBiasAdd,
  // Quantization (composed by quantizationPipeline).
  'fold-fake-quant': foldFakeQuant,
  'check-int8-legality': checkInt8Legality,
  calibrate,
  'correct-bias': correctBias,
  'quantize-weights': quantizeWeights,
  'float-fallback': floatFallback,
  'quantize-activations': quantizeActivations,
  'retype-io': retypeIo,
  'quantize-dynamic-range': quantizeDynamicRange,
  'quantize-float16': quantizeFloat16,
} as const satisfies Record<string, Pass>;

export type PassName = keyof typeof PASSES;
