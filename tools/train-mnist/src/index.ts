export { trainMnist, evaluate, type TrainOptions, type TrainResult, type EpochReport, type BatchReport } from './train.ts';
export { buildMnistModel } from './model.ts';
export { saveModel } from './save.ts';
export { loadMnist, mnistDataDir, normalizedBatch, type Mnist, type MnistSplit } from './mnist.ts';
export { chooseBackend, useWasmBackend, wasmDistDir } from './backend.ts';
export { conv2dBackpropFilterNhwc, registerWasmGradientKernels } from './conv2d-backprop-filter.ts';
