export * from './filecheck/directives.ts';
export * from './filecheck/filecheck.ts';
export { canonicalizeBlanks, parsePattern, type Pattern, type PatternPart } from './filecheck/pattern.ts';
export * from './golden/golden-file.ts';
export * from './golden/diagnostics.ts';
export * from './golden/runner.ts';
export * from './golden/discover.ts';
export * from './tolerances.ts';
export * from './arbitraries.ts';
