export * from './errors.ts';
export { loadLiteRtNode, defaultWasmDir, LiteRtNode, LiteRtModel } from './runtime.ts';
export type { CompileOptions, IoArray, IoDetails, IoDType, LoadOptions } from './runtime.ts';
