export * from './converter.ts';
export * from './debug.ts';
