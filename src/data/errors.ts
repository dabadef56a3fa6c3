import { NasmeshError } from '../util/errors.js';

/** A dataset file that is missing, truncated or inconsistent; `file` is the path as the loader saw it. */
export class DatasetError extends NasmeshError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}
