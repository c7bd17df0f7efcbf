export { analyze, formatMatrix, formatReasons, formatSummary, toJson, type Report } from './report.ts';
export type { Cell, ConsumerTable } from './tables.ts';
export { CoverageError } from './errors.ts';
