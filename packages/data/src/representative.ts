import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataError } from './errors.ts';
import { asFloat32, readNpy } from './npy.ts';

/**
 * One calibration sample: a Float32Array for a one-input model, one per input in input order,
 * or a record by input name. Its shape is the model input's (without caring about the layout
 * of the array that held it).
 */
export type RepresentativeEntry = Float32Array | Float32Array[] | Record<string, Float32Array>;

export interface RepresentativeSource extends AsyncIterable<RepresentativeEntry> {
  /** Where the samples come from, for messages. */
  origin: string;
  /** The number of samples, when known before iterating (.npy). */
  count?: number;
  /** The shape of one sample, when known (.npy: the array's shape without its leading axis). */
  sampleShape?: number[];
}

export interface RepresentativeOptions {
  /** Use at most the first `limit` samples. */
  limit?: number;
}

/** Rows of a float32 .npy (row i = sample i); float64 is refused with the cast to use. */
export function representativeFromNpy(path: string, opts: RepresentativeOptions = {}): RepresentativeSource {
  const array = readNpy(path);
  const data = asFloat32(array, path);
  if (array.shape.length === 0) throw new DataError(path, 'the .npy array is a scalar: save samples stacked on a leading axis');
  const sampleShape = array.shape.slice(1);
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const count = Math.min(array.shape[0], opts.limit ?? Infinity);
  return {
    origin: path,
    count,
    sampleShape,
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < count; i++) yield data.subarray(i * size, (i + 1) * size);
    },
  };
}

/**
 * A JS module whose default export is an iterable or async iterable of samples (or a function
 * returning one, such as a generator function). Each sample is checked as it arrives.
 */
export async function representativeFromModule(path: string, opts: RepresentativeOptions = {}): Promise<RepresentativeSource> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(resolvePath(path)).href)) as { default?: unknown };
  } catch (e) {
    throw new DataError(path, `could not import the module: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
  let source = mod.default;
  if (typeof source === 'function') source = (source as () => unknown)();
  const iterable = source as Partial<AsyncIterable<unknown> & Iterable<unknown>> | undefined;
  if (typeof iterable?.[Symbol.asyncIterator] !== 'function' && typeof iterable?.[Symbol.iterator] !== 'function') {
    throw new DataError(path, 'the default export is not an iterable of samples: export default an array, a generator or an async generator');
  }
  const limit = opts.limit ?? Infinity;
  return {
    origin: path,
    async *[Symbol.asyncIterator]() {
      if (limit <= 0) return;
      let i = 0;
      for await (const entry of iterable as AsyncIterable<unknown>) {
        yield checkEntry(entry, path, i);
        if (++i >= limit) return;
      }
    },
  };
}

const MODULE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts'];

/** A representative dataset named on the command line: a .npy of float32 rows or a JS module. */
export async function representativeDataset(spec: string, opts: RepresentativeOptions = {}): Promise<RepresentativeSource> {
  if (spec.endsWith('.npy')) return representativeFromNpy(spec, opts);
  if (MODULE_EXTENSIONS.some((e) => spec.endsWith(e))) return representativeFromModule(spec, opts);
  throw new DataError(spec, `not a representative dataset: give a float32 .npy (one sample per row) or a module (${MODULE_EXTENSIONS.join(', ')})`);
}

const ENTRY_HINT = 'yield a Float32Array, an array of them (one per model input) or a record of them by input name';

function toFloat32(x: unknown, path: string, where: string): Float32Array {
  if (x instanceof Float32Array) return x;
  if (x instanceof Float64Array) throw new DataError(path, `${where} is a Float64Array: yield Float32Array.from(x) (float32 is what the model takes)`);
  if (Array.isArray(x) && x.every((v) => typeof v === 'number')) return Float32Array.from(x as number[]);
  const kind = x === null ? 'null' : ArrayBuffer.isView(x) ? x.constructor.name : Array.isArray(x) ? 'an array of non-numbers' : typeof x;
  throw new DataError(path, `${where} is ${kind}: ${ENTRY_HINT}`);
}

/** Validates one sample: numbers become float32; nested arrays mean one array per input. */
export function checkEntry(entry: unknown, path: string, index: number): RepresentativeEntry {
  const where = `sample ${index}`;
  if (Array.isArray(entry) && entry.length > 0 && entry.every((x) => ArrayBuffer.isView(x) || Array.isArray(x))) {
    return entry.map((x, k) => toFloat32(x, path, `${where}, input ${k},`));
  }
  if (entry !== null && typeof entry === 'object' && !Array.isArray(entry) && !ArrayBuffer.isView(entry)) {
    const record: Record<string, Float32Array> = {};
    for (const [name, x] of Object.entries(entry)) record[name] = toFloat32(x, path, `${where}, input '${name}',`);
    if (Object.keys(record).length === 0) throw new DataError(path, `${where} is an empty object: ${ENTRY_HINT}`);
    return record;
  }
  return toFloat32(entry, path, where);
}
