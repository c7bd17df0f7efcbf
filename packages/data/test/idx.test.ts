import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, encodeIdx, parseIdx, parseIdxImages, readIdxImages, readIdxLabels } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'octet-idx-'));
const write = (name: string, bytes: Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

// 2 images of 2x3: bytes 0..11; hand-written header: 00 00 08 03, 2, 2, 3 (big-endian)
const imagesBytes = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
const labelsBytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 9]);

describe('IDX reader', () => {
  it('reads a hand-written image file and its labels', () => {
    const imgs = readIdxImages(write('img', imagesBytes));
    expect([imgs.count, imgs.rows, imgs.cols]).toEqual([2, 2, 3]);
    expect([...imgs.images]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const labels = readIdxLabels(write('lbl', labelsBytes));
    expect(labels.count).toBe(3);
    expect([...labels.labels]).toEqual([7, 2, 9]);
  });

  it('reads only the first `limit` items', () => {
    const imgs = readIdxImages(write('img-limit', imagesBytes), { limit: 1 });
    expect(imgs.count).toBe(1);
    expect([...imgs.images]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(readIdxLabels(write('lbl-limit', labelsBytes), { limit: 10 }).count).toBe(3);
  });

  it('encodeIdx writes the bytes we wrote by hand', () => {
    expect(encodeIdx([2, 2, 3], imagesBytes.subarray(16))).toEqual(imagesBytes);
  });

  it('names the file and the problem', () => {
    const truncated = write('short-images', imagesBytes.subarray(0, 27));
    expect(() => readIdxImages(truncated)).toThrow(DataError);
    expect(() => readIdxImages(truncated)).toThrow(
      `${truncated}: IDX size mismatch: header [2, 2, 3] needs 28 bytes, the file has 27 (truncated?)`,
    );
    const trailing = new Uint8Array([...labelsBytes, 0]);
    expect(() => parseIdx(trailing, 'x.idx')).toThrow('x.idx: IDX size mismatch: header [3] needs 11 bytes, the file has 12 (trailing bytes)');
    expect(() => readIdxImages(write('labels-as-images', labelsBytes))).toThrow(
      /labels-as-images: IDX magic number 0x00000801, expected 0x00000803 for images$/,
    );
    expect(() => readIdxLabels(write('images-as-labels', imagesBytes))).toThrow(/expected 0x00000801 for labels$/);
    expect(() => parseIdx(new Uint8Array([1, 0, 8, 1]), 'f')).toThrow('f: not an IDX file: magic number 0x01000801 does not start with two zero bytes');
    expect(() => parseIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 0]), 'f')).toThrow(/element type 0x0d is not supported/);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0]), 'f')).toThrow('f: truncated IDX header: 3 dimensions need 16 bytes, the file has 6');
    expect(() => parseIdx(new Uint8Array([0, 0]), 'f')).toThrow(/shorter than the 4-byte magic/);
    expect(() => parseIdxImages(imagesBytes, 'f', { limit: -1 })).toThrow(/limit -1/);
  });
});
