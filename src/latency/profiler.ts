import { initBackend } from '../tf/backend.js';
import { buildChildNetwork } from '../train/child-network.js';
import { ValidationError } from '../util/errors.js';
import { localHardwareProfile } from './hardware.js';
import { timeInference } from './measure.js';
import { parseProfileOptions } from './request.js';
import type { HardwareProfile, LatencyProfile, ProfileRequest } from './types.js';

export interface LatencyProfilerOptions {
  /** Untimed runs before the timed ones. Default 3. */
  readonly warmup?: number;
  /** Most measurements kept; the oldest go first. Default 10,000. */
  readonly cacheSize?: number;
}

/**
 * Measures inference latency of architectures on this machine, one network at a time (two measurements running at
 * once would slow each other down and both be wrong). Results are cached by (architecture hash, hardware profile,
 * batch size, network config): more repeats would only refine a number already known.
 */
export class LatencyProfiler {
  readonly #cache = new Map<string, Omit<LatencyProfile, 'cached'>>();
  #turn: Promise<unknown> = Promise.resolve();
  readonly #warmup: number;
  readonly #cacheSize: number;

  constructor(
    readonly hardware: HardwareProfile,
    options: LatencyProfilerOptions = {},
  ) {
    this.#warmup = options.warmup ?? 3;
    this.#cacheSize = options.cacheSize ?? 10_000;
  }

  /** Rejects with `signal.reason` when aborted before or during the measurement. */
  async profile(request: ProfileRequest, signal?: AbortSignal): Promise<LatencyProfile> {
    if (request.hardwareProfile && request.hardwareProfile !== this.hardware.name) {
      throw new ValidationError('hardwareProfile', `'${request.hardwareProfile}' is not measured here`, [this.hardware.name]);
    }
    const { network, batchSize, repeats } = parseProfileOptions({
      network: request.network,
      batchSize: request.batchSize,
      repeats: request.repeats,
    });
    const hash = request.space.hash(request.arch);
    const key = JSON.stringify([hash, this.hardware.name, batchSize, sortedKeys(network)]);
    const cached = () => {
      const hit = this.#cache.get(key);
      return hit && { ...hit, cached: true };
    };
    return (
      cached() ??
      this.#exclusive(async () => {
        // A request queued behind another measurement may have been answered or abandoned meanwhile.
        signal?.throwIfAborted();
        const again = cached();
        if (again) return again;
        const child = buildChildNetwork(request.space, request.arch, network);
        try {
          const timing = await timeInference(child.model, [batchSize, ...network.inputShape], {
            warmup: this.#warmup,
            repeats,
            ...(signal ? { signal } : {}),
          });
          const profile = { ...timing, params: child.cost.params, flops: child.cost.macs, architectureHash: hash };
          this.#remember(key, { ...profile, batchSize, repeats, hardware: this.hardware });
          return { ...profile, batchSize, repeats, hardware: this.hardware, cached: false };
        } finally {
          child.model.dispose();
        }
      })
    );
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(work);
    this.#turn = run.catch(() => undefined);
    return run;
  }

  #remember(key: string, profile: Omit<LatencyProfile, 'cached'>): void {
    this.#cache.set(key, profile);
    if (this.#cache.size > this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value!);
  }
}

/** A profiler on this machine's best TensorFlow.js backend, under the profile `name` (default: derived). */
export async function createLatencyProfiler(options: LatencyProfilerOptions & { name?: string } = {}): Promise<LatencyProfiler> {
  const backend = await initBackend();
  return new LatencyProfiler(localHardwareProfile(backend, options.name), options);
}

/** Key order must not change the cache key. */
function sortedKeys(value: object): [string, unknown][] {
  return Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
}
