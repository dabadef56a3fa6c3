import { Metadata, type ServerErrorResponse, status } from '@grpc/grpc-js';
import { StoreReadError } from '../../../src/store/errors.js';
import { ValidationError } from '../../../src/util/errors.js';

/** A failure that is a gRPC status a client should act on (NOT_FOUND, ALREADY_EXISTS, ...), not a bug. */
export class GrpcStatusError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'GrpcStatusError';
  }
}

/**
 * The status a handler's error is answered with. Bad input is INVALID_ARGUMENT with the field path first in the
 * message (ValidationError's form, `network.inputShape: ...`) and in the trailing metadata `field` for programs; a
 * stored record that cannot be read back is DATA_LOSS (naming the search and field); anything unexpected is INTERNAL.
 */
export function toServiceError(e: unknown): ServerErrorResponse {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof ValidationError) {
    const metadata = new Metadata();
    // Metadata values must be printable ASCII; a field path built from user keys may not be.
    metadata.set('field', e.field.replace(/[^ -~]/g, '?'));
    return Object.assign(new Error(message), { code: status.INVALID_ARGUMENT, details: message, metadata });
  }
  const code = e instanceof GrpcStatusError ? e.code : e instanceof StoreReadError ? status.DATA_LOSS : status.INTERNAL;
  return Object.assign(new Error(message), { code, details: message });
}
