export * from './errors.ts';
export * from './idx.ts';
