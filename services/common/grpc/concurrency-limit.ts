import { status } from '@grpc/grpc-js';
import { GrpcStatusError } from './status.js';

/**
 * At most `max` calls of one kind in progress at once; one more is refused with RESOURCE_EXHAUSTED instead of being
 * queued without bound (an Evaluate that trains, a profile that waits for the profiler, a watch holding a
 * consumer). `what` names them in the refusal.
 */
export class ConcurrencyLimit {
  private running = 0;

  constructor(
    readonly max: number,
    private readonly what: string,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) {
      throw new GrpcStatusError(
        status.RESOURCE_EXHAUSTED,
        `${this.max} ${this.what} are in progress already, the most this server takes; try again later`,
      );
    }
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
    }
  }
}
