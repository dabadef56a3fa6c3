import { NasmeshError } from '../util/errors.js';

/**
 * A stored record that cannot be read back: names the search, the record and what is wrong with it (the field, for
 * a record that parses but does not fit), never the stored text.
 */
export class StoreReadError extends NasmeshError {
  constructor(
    readonly stored: { readonly search: string; readonly record: string },
    readonly problem: string,
  ) {
    super(`search ${stored.search}: its stored ${stored.record} is unreadable: ${problem}`);
  }
}
