import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DataError } from './errors.ts';

/**
 * IDX files (LeCun's MNIST format): magic = 0x00 0x00 <type> <ndim>, then ndim big-endian uint32
 * sizes, then the elements in C order. We read unsigned bytes (type 0x08) only, which is what
 * MNIST ships: images 0x00000803 [count, rows, cols], labels 0x00000801 [count].
 */
export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;
const UBYTE = 0x08;

export interface IdxArray {
  magic: number;
  shape: number[];
  /** The first `shape[0]` (or `limit`) items, C order. */
  data: Uint8Array;
}

export interface IdxImages {
  images: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export interface IdxLabels {
  labels: Uint8Array;
  count: number;
}

export interface IdxReadOptions {
  /** Read only the first `limit` items (images or labels); the file's size is still checked. */
  limit?: number;
}

interface IdxHeader {
  magic: number;
  shape: number[];
  headerBytes: number;
  itemBytes: number;
}

const hex = (n: number) => '0x' + n.toString(16).padStart(8, '0');

/** Parses the header in `head` and checks that the file holds exactly the bytes it announces. */
function parseHeader(head: Uint8Array, fileLength: number, file: string): IdxHeader {
  if (head.length < 4) {
    throw new DataError(file, `not an IDX file: ${fileLength} bytes, shorter than the 4-byte magic number`);
  }
  const magic = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  if (head[0] !== 0 || head[1] !== 0) {
    throw new DataError(file, `not an IDX file: magic number ${hex(magic)} does not start with two zero bytes`);
  }
  if (head[2] !== UBYTE) {
    throw new DataError(file, `IDX element type 0x${head[2].toString(16).padStart(2, '0')} is not supported: only unsigned bytes (0x08)`);
  }
  const ndim = head[3];
  if (ndim === 0) throw new DataError(file, `IDX magic number ${hex(magic)} declares 0 dimensions`);
  const headerBytes = 4 + 4 * ndim;
  if (fileLength < headerBytes || head.length < headerBytes) {
    throw new DataError(file, `truncated IDX header: ${ndim} dimensions need ${headerBytes} bytes, the file has ${fileLength}`);
  }
  const view = new DataView(head.buffer, head.byteOffset, headerBytes);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  let itemBytes = 1;
  for (const d of shape.slice(1)) itemBytes *= d;
  const expected = headerBytes + shape[0] * itemBytes; // exact: < 2^53 whenever it can match a file
  if (expected !== fileLength) {
    throw new DataError(
      file,
      `IDX size mismatch: header [${shape.join(', ')}] needs ${expected} bytes, the file has ${fileLength}` +
        (expected > fileLength ? ' (truncated?)' : ' (trailing bytes)'),
    );
  }
  return { magic, shape, headerBytes, itemBytes };
}

function checkMagic(header: IdxHeader, want: number | undefined, file: string): void {
  if (want === undefined || header.magic === want) return;
  const what = want === IDX_IMAGES_MAGIC ? 'images' : want === IDX_LABELS_MAGIC ? 'labels' : 'this IDX kind';
  throw new DataError(file, `IDX magic number ${hex(header.magic)}, expected ${hex(want)} for ${what}`);
}

function itemsToRead(header: IdxHeader, limit: number | undefined, file: string): number {
  if (limit === undefined) return header.shape[0];
  if (!Number.isInteger(limit) || limit < 0) throw new DataError(file, `limit ${limit} is not a non-negative integer`);
  return Math.min(limit, header.shape[0]);
}

/** Parses a whole IDX file held in memory. `file` names it in errors. */
export function parseIdx(bytes: Uint8Array, file: string, opts: IdxReadOptions & { magic?: number } = {}): IdxArray {
  const header = parseHeader(bytes, bytes.length, file);
  checkMagic(header, opts.magic, file);
  const n = itemsToRead(header, opts.limit, file);
  // a copy (a Node Buffer's slice() would be a view into a shared pool)
  const data = new Uint8Array(bytes.subarray(header.headerBytes, header.headerBytes + n * header.itemBytes));
  return { magic: header.magic, shape: [n, ...header.shape.slice(1)], data };
}

/** Reads an IDX file from disk, touching only the header and the first `limit` items. */
export function readIdx(path: string, opts: IdxReadOptions & { magic?: number } = {}): IdxArray {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, 4 + 4 * 255));
    readSync(fd, head, 0, head.length, 0);
    const header = parseHeader(head, size, path);
    checkMagic(header, opts.magic, path);
    const n = itemsToRead(header, opts.limit, path);
    const data = new Uint8Array(n * header.itemBytes);
    let done = 0;
    while (done < data.length) {
      const got = readSync(fd, data, done, data.length - done, header.headerBytes + done);
      if (got === 0) throw new DataError(path, `file shrank while reading: got ${done} of ${data.length} bytes`);
      done += got;
    }
    return { magic: header.magic, shape: [n, ...header.shape.slice(1)], data };
  } finally {
    closeSync(fd);
  }
}

function asImages(a: IdxArray): IdxImages {
  const [count, rows, cols] = a.shape;
  return { images: a.data, count, rows, cols };
}

/** Reads an IDX image file (magic 0x00000803, [count, rows, cols] unsigned bytes). */
export function readIdxImages(path: string, opts: IdxReadOptions = {}): IdxImages {
  return asImages(readIdx(path, { ...opts, magic: IDX_IMAGES_MAGIC }));
}

/** Reads an IDX label file (magic 0x00000801, [count] unsigned bytes). */
export function readIdxLabels(path: string, opts: IdxReadOptions = {}): IdxLabels {
  const a = readIdx(path, { ...opts, magic: IDX_LABELS_MAGIC });
  return { labels: a.data, count: a.shape[0] };
}

export function parseIdxImages(bytes: Uint8Array, file: string, opts: IdxReadOptions = {}): IdxImages {
  return asImages(parseIdx(bytes, file, { ...opts, magic: IDX_IMAGES_MAGIC }));
}

export function parseIdxLabels(bytes: Uint8Array, file: string, opts: IdxReadOptions = {}): IdxLabels {
  const a = parseIdx(bytes, file, { ...opts, magic: IDX_LABELS_MAGIC });
  return { labels: a.data, count: a.shape[0] };
}

/** Writes an unsigned-byte IDX file's bytes (for tests and for tools that cut subsets). */
export function encodeIdx(shape: readonly number[], data: Uint8Array): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new Error(`encodeIdx: shape [${shape.join(', ')}] holds ${n} bytes, data has ${data.length}`);
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, (UBYTE << 8) | shape.length, false);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}
