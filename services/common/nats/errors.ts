import { NasmeshError } from '../../../src/util/errors.js';

/** A message whose bytes are not a valid payload. */
export class CodecError extends NasmeshError {
  constructor(message: string, cause?: unknown) {
    super(message);
    this.cause = cause;
  }
}

/** A JetStream publish that did not succeed before its deadline, retries included. */
export class PublishError extends NasmeshError {
  constructor(
    readonly subject: string,
    readonly msgId: string,
    cause: unknown,
  ) {
    super(`publishing ${msgId} to ${subject} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.cause = cause;
  }
}
