export * from './errors.ts';
export * from './idx.ts';
export * from './npy.ts';
export * from './mnist.ts';
export * from './representative.ts';
