import type { Pass } from './pass.ts';
import { foldBatchNorm } from './passes/fold-batch-norm.ts';
import { foldConstants } from './passes/fold-constants.ts';
import { fuseActivation } from './passes/fuse-activation.ts';
import { removeIdentity } from './passes/remove-identity.ts';

/** Every pass, keyed by its name (a test checks key = name = file name = golden folder). */
export const PASSES = {
  'remove-identity': removeIdentity,
  'fold-batch-norm': foldBatchNorm,
  'fuse-activation': fuseActivation,
  'fold-constants': foldConstants,
} as const satisfies Record<string, Pass>;

export type PassName = keyof typeof PASSES;
