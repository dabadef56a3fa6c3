import { type ServerUnaryCall, status } from '@grpc/grpc-js';
import { GrpcStatusError } from './status.js';

/** What a handler needs to honour its call's deadline and cancellation. */
export interface CallContext {
  /**
   * Aborted when the client cancels, the deadline passes or the server is forced down; `reason` is the matching
   * GrpcStatusError. Long work checks it between steps and stops.
   */
  readonly signal: AbortSignal;
  /** Deadline in ms since the epoch; Infinity when the client set none. */
  readonly deadline: number;
}

/** The part every kind of server call (unary or streaming) has. */
type ServerCall = Pick<ServerUnaryCall<unknown, unknown>, 'getDeadline' | 'cancelled' | 'once'>;

/**
 * The context of `call`. grpc-js ends a call at its deadline and then reports it cancelled, which aborts `signal`.
 * With `defaultDeadlineMs`, a call whose client set no deadline gets that one: the handler's work is aborted then,
 * so no call runs unbounded.
 */
export function callContext(call: ServerCall, defaultDeadlineMs?: number): CallContext {
  const d = call.getDeadline();
  const given = d instanceof Date ? d.getTime() : d;
  const deadline = given === Infinity && defaultDeadlineMs !== undefined ? Date.now() + defaultDeadlineMs : given;
  const controller = new AbortController();
  const abort = () =>
    controller.abort(
      Date.now() >= deadline
        ? new GrpcStatusError(status.DEADLINE_EXCEEDED, 'deadline exceeded')
        : new GrpcStatusError(status.CANCELLED, 'call cancelled'),
    );
  let timer: NodeJS.Timeout | undefined;
  if (given === Infinity && deadline !== Infinity) {
    timer = setTimeout(abort, deadline - Date.now()).unref();
    controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  }
  if (call.cancelled) abort();
  else call.once('cancelled', abort);
  return { signal: controller.signal, deadline };
}

/**
 * Throws DEADLINE_EXCEEDED when the deadline has already passed: a handler that starts late (the event loop was busy
 * with earlier work) must not begin work nobody waits for.
 */
export function assertBeforeDeadline(ctx: CallContext): void {
  if (Date.now() >= ctx.deadline) {
    throw new GrpcStatusError(status.DEADLINE_EXCEEDED, 'deadline passed before the call started');
  }
  ctx.signal.throwIfAborted();
}
