import { once } from 'node:events';
import { type handleServerStreamingCall, type ServerWritableStream, status } from '@grpc/grpc-js';
import { type CallContext, callContext } from './context.js';
import { toServiceError } from './status.js';

/**
 * A grpc-js server-streaming handler from an async function that writes the messages: the call ends when it
 * resolves; its error becomes the call's status (see toServiceError; unexpected errors are also logged, since they
 * are bugs). A client that went away is told nothing.
 */
export function serverStreaming<Req, Res>(
  handler: (call: ServerWritableStream<Req, Res>, ctx: CallContext) => Promise<void>,
): handleServerStreamingCall<Req, Res> {
  return (call) => {
    const ctx = callContext(call);
    handler(call, ctx).then(
      () => call.end(),
      (e: unknown) => {
        if (ctx.signal.aborted) return;
        const error = toServiceError(e);
        if (error.code === status.INTERNAL) console.error(`${call.getPath()}: ${e instanceof Error ? e.stack : String(e)}`);
        // grpc-js sends an 'error' as the call's status; destroy() would end the stream without any status.
        call.emit('error', error);
      },
    );
  };
}

/** Writes a message, then waits while the client has not taken what is buffered (rejects once `signal` aborts). */
export async function writeMessage<Res>(call: ServerWritableStream<unknown, Res>, message: Res, signal: AbortSignal): Promise<void> {
  if (!call.write(message)) await once(call, 'drain', { signal });
}
