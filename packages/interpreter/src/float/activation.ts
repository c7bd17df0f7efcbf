import type { Activation } from '@octet/ir';

/** The clamp interval of a fused activation (TFLite's CalculateActivationRange for float). */
export function activationRange(act: Activation): [lo: number, hi: number] {
  return ACTIVATION_RANGES[act];
}

const ACTIVATION_RANGES: { readonly [A in Activation]: [number, number] } = {
  none: [-Infinity, Infinity],
  relu: [0, Infinity],
  relu6: [0, 6],
  relu_n1_to_1: [-1, 1],
};

/** min(max(x, lo), hi), as TFLite's ActivationFunctionWithMinMax (NaN stays NaN). */
export function clampTo(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}
