import { NasmeshError } from '../util/errors.js';

/** A stored record that cannot be read back: names where it is, keeps the underlying error as `cause`. */
export class StoreReadError extends NasmeshError {
  constructor(
    readonly location: string,
    cause: unknown,
  ) {
    super(`cannot read stored ${location}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.cause = cause;
  }
}
