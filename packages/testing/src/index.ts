export * from './filecheck/directives.ts';
export * from './filecheck/filecheck.ts';
export { canonicalizeBlanks, parsePattern, type Pattern, type PatternPart } from './filecheck/pattern.ts';
