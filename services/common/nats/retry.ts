import { ErrorCode, NatsError } from 'nats';

/**
 * Per-request timeout. The client drops what is sent while it is disconnected, so a request made during a
 * nats-server restart is only ever answered by a retry: a short timeout makes that retry come soon.
 */
export const REQUEST_TIMEOUT_MS = 2_000;

/** Long enough to ride out a nats-server restart. */
export const RETRY_TIMEOUT_MS = 60_000;

const TRANSIENT_CODES: readonly string[] = [
  ErrorCode.Timeout,
  ErrorCode.NoResponders,
  ErrorCode.Disconnect,
  ErrorCode.ConnectionRefused,
  ErrorCode.ConnectionTimeout,
  ErrorCode.RequestError,
];

/**
 * Errors that pass once the server is back: timeouts and "no responders" while it restarts or JetStream
 * recovers its streams. Anything else (a closed connection, a rejected request) will fail again.
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof NatsError)) return false;
  return TRANSIENT_CODES.includes(err.code) || (err.api_error?.code ?? 0) >= 500;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface RetryOptions {
  /** Give up (rethrowing the last error) once this much time has passed (default RETRY_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  readonly delayMs?: number;
  readonly signal?: AbortSignal;
}

/** Runs `attempt` until it succeeds, a non-transient error, the deadline or the signal. */
export async function retryTransient<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? RETRY_TIMEOUT_MS);
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!isTransient(err) || Date.now() >= deadline || options.signal?.aborted) throw err;
      await sleep(options.delayMs ?? 250, options.signal);
    }
  }
}
