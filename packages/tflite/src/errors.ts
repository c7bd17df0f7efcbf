import { OctetError } from '@octet/ir';

/** A .tflite file that is malformed, or that uses something Octet cannot read. */
export class TfliteFormatError extends OctetError {
  override name = 'TfliteFormatError';
}
