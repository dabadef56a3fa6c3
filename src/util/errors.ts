/** Base class so callers can tell nasmesh's own, user-facing errors from bugs. */
export class NasmeshError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: names the field (a dotted path) and, where the set is finite, the allowed values. */
export class ValidationError extends NasmeshError {
  constructor(
    readonly field: string,
    readonly problem: string,
    readonly allowed?: readonly (string | number)[],
  ) {
    super(`${field}: ${problem}${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}`);
  }
}
