import { FILE_IDENTIFIER, Model, type Buffer as FbBuffer } from './generated/tflite.ts';
import { TfliteFormatError } from './errors.ts';
import { Verifier } from './verifier.ts';

/**
 * Verifies untrusted bytes as a TFLite model and returns its root table. After this, the generated
 * accessors only read bytes the verifier checked; indices between tables (tensor, buffer, opcode
 * indices) are still the caller's to check.
 */
export function loadModel(bytes: Uint8Array): Model {
  if (!(bytes instanceof Uint8Array)) throw new TfliteFormatError(`expected the bytes of a .tflite file (a Uint8Array), got ${typeof bytes}`);
  new Verifier(bytes).root(FILE_IDENTIFIER, Model.verify);
  return Model.getRoot(bytes);
}

/**
 * The bytes of a buffer: its `data` vector, or for files over 2 GB the range `offset`..`offset + size`
 * of the file (valid when offset > 1), checked against the file's length.
 */
export function bufferBytes(bytes: Uint8Array, buffer: FbBuffer, index: number): Uint8Array {
  const data = buffer.dataArray();
  const offset = buffer.offset();
  const size = buffer.size();
  if (offset > 1n) {
    if (data && data.length) throw new TfliteFormatError(`malformed .tflite: buffer ${index} has both inline data and an offset`);
    if (offset + size > BigInt(bytes.length)) {
      throw new TfliteFormatError(`malformed .tflite: buffer ${index} (bytes ${offset}..${offset + size}) lies outside the file (${bytes.length} bytes)`);
    }
    return bytes.subarray(Number(offset), Number(offset + size));
  }
  return data ?? new Uint8Array(0);
}
