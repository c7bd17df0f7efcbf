import { OctetError } from '@octet/ir';

/** A model the importer cannot read: one line naming the layer, node or file, and what to do. */
export class ImportError extends OctetError {
  override name = 'ImportError';
}

export const fail = (msg: string): never => {
  throw new ImportError(msg);
};
