import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

/** Time as the bucket sees it; tests pass a fake one. */
export interface BucketClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
}

const realClock: BucketClock = { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms) };

/**
 * client-go's client-side rate limit: a token bucket of `burst` tokens refilled at `qps` a second; each request takes
 * one, waiting for it when the bucket is empty, in the order the requests came. A controller that wakes for a hundred
 * objects at once then spreads its writes instead of flooding the API server (whose priority and fairness would
 * otherwise throttle every client of the cluster).
 */
export class TokenBucket {
  #tokens: number;
  #updatedMs: number;
  #waiting: Promise<void> = Promise.resolve();

  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly clock: BucketClock = realClock,
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new RangeError('a token bucket needs qps > 0 and burst >= 1');
    this.#tokens = burst;
    this.#updatedMs = clock.now();
  }

  /** Resolves when the caller may send its request. */
  take(): Promise<void> {
    const turn = this.#waiting.then(() => this.#takeOne());
    this.#waiting = turn;
    return turn;
  }

  async #takeOne(): Promise<void> {
    this.#refill();
    if (this.#tokens < 1) {
      const waitMs = ((1 - this.#tokens) / this.qps) * 1000;
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, waitMs));
      this.#refill();
    }
    this.#tokens -= 1;
  }

  #refill(): void {
    const now = this.clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#updatedMs) / 1000) * this.qps);
    this.#updatedMs = now;
  }
}

/**
 * A KubeConfig whose every API request through the clients it makes (makeApiClient, KubernetesObjectApi: lists, gets,
 * applies, status writes, events, the leader Lease) first takes a token from `bucket`. Watches are not counted: each
 * is one long request, opened again only when the server ends it.
 */
export class RateLimitedKubeConfig extends KubeConfig {
  constructor(private readonly bucket: TokenBucket) {
    super();
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.bucket.take();
    return super.applySecurityAuthentication(context);
  }
}
