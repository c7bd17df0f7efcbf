export { fastKernels, Interpreter, interpret, referenceKernels } from './interpreter.ts';
export type {
  InterpreterInputs,
  InterpreterOptions,
  InvokeOptions,
  KernelOverrides,
  QuantizationDetails,
  QuantizationParameters,
  TensorDetails,
  ValueObserver,
} from './interpreter.ts';
export { kernelFamily, requireDtypes } from './kernel.ts';
export type { Arithmetic, Kernel, KernelContext, KernelFamily, KernelRun, KernelTable, KernelTables } from './kernel.ts';
export { InterpreterError } from './errors.ts';
export { floatKernels } from './float/table.ts';
export { int8Kernels } from './int8/table.ts';
export { activationRange } from './float/activation.ts';
export { nearestSource } from './float/layout.ts';
export { nudge } from './float/fake-quant.ts';
export * from './int8/arith.ts';
