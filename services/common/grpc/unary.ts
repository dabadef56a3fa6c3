import { type handleUnaryCall, status } from '@grpc/grpc-js';
import { assertBeforeDeadline, type CallContext, callContext } from './context.js';
import { DEFAULT_SERVER_DEADLINE_MS } from './limits.js';
import { toServiceError } from './status.js';

/**
 * A grpc-js unary handler from an async function: work whose deadline already passed is rejected before it starts,
 * `ctx.signal` aborts on cancellation or deadline (DEFAULT_SERVER_DEADLINE_MS when the client set none: the call
 * then ends DEADLINE_EXCEEDED even if the handler does not look at its signal), and errors become statuses
 * (ValidationError → INVALID_ARGUMENT naming the field; see toServiceError). Unexpected errors are also logged,
 * since they are bugs.
 */
export function unary<Req, Res>(handler: (request: Req, ctx: CallContext) => Promise<Res>): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const ctx = callContext(call, DEFAULT_SERVER_DEADLINE_MS);
    const run = async () => {
      assertBeforeDeadline(ctx);
      const aborted = new Promise<never>((_, reject) =>
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }),
      );
      aborted.catch(() => undefined);
      return Promise.race([handler(call.request, ctx), aborted]);
    };
    run().then(
      (response) => callback(null, response),
      (e: unknown) => {
        const error = toServiceError(e);
        if (error.code === status.INTERNAL) console.error(`${call.getPath()}: ${e instanceof Error ? e.stack : String(e)}`);
        callback(error);
      },
    );
  };
}
