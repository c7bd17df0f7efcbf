import { OctetError } from '@octet/ir';

/** A problem with the command line or the files it names: unreadable input, unwritable output. */
export class CliError extends OctetError {
  override name = 'CliError';
}
