export { checks } from './checks.ts';
export { runTutorial, DEFAULT_OPTIONS, type TutorialOptions, type TutorialResult } from './run.ts';
export { layerErrors, quantizedLayers, sqnr, type LayerError, type LayerErrorOptions, type FloatSample } from '@octet/converter';
export { evaluateModel, type Evaluation, type Agreement, type TestSet } from './evaluate.ts';
export { VARIANTS, representativeDataset, type Variant, type VariantId } from './variants.ts';
export { formatTable, type Row } from './table.ts';
export { renderReport } from './report.ts';
export { quantize, quantizeInto, argmax, writeAtomic } from './io.ts';
export { consoleOutput, silentOutput, type Output, type Bar } from './progress.ts';
