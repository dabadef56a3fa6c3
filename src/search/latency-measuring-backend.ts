import type { LatencySource } from '../latency/types.js';
import type { LatencyMeasurement } from '../reward/spec.js';
import type { SpaceConfig } from '../space/registry.js';
import type { NetworkConfig } from '../train/types.js';
import { NasmeshError } from '../util/errors.js';
import type { EvaluationBackend, EvaluationJob, EvaluationOutcome } from './evaluation-backend.js';

export interface LatencyMeasuringOptions {
  readonly space: SpaceConfig;
  /** The network a candidate is placed in for training: its latency is that network's. */
  readonly network: NetworkConfig;
  readonly measurement: LatencyMeasurement;
  /**
   * Measure a step's candidates before handing them to the inner backend instead of while it evaluates them: for a
   * profiler on the machine that also trains them, where training beside a measurement would inflate it.
   */
  readonly before?: boolean;
}

/**
 * An EvaluationBackend that adds each candidate's measured latency (`evaluation.latencyMs`) to the inner backend's
 * outcomes, for rewards that need it (MnasNet). Measured latency is not deterministic: the same seed can give a
 * different search, unlike an accuracy-only one.
 */
export class LatencyMeasuringBackend implements EvaluationBackend {
  constructor(
    private readonly inner: EvaluationBackend,
    private readonly source: LatencySource,
    private readonly options: LatencyMeasuringOptions,
  ) {}

  async *evaluate(jobs: readonly EvaluationJob[], signal?: AbortSignal): AsyncGenerator<EvaluationOutcome> {
    signal?.throwIfAborted();
    // Measurements of their own: those still running when the evaluation ends early (a failure) are stopped.
    const measuring = new AbortController();
    const stop = () => measuring.abort(signal?.reason);
    signal?.addEventListener('abort', stop, { once: true });
    const latencies = new Map(jobs.map((job) => [key(job), this.measure(job, measuring.signal)]));
    // Each is awaited when its outcome arrives; a failure before that must not count as unhandled.
    for (const latency of latencies.values()) latency.catch(() => undefined);
    try {
      if (this.options.before) await Promise.all(latencies.values());
      for await (const outcome of this.inner.evaluate(jobs, signal)) {
        const latency = latencies.get(key(outcome));
        // Not one of these jobs: passed on unchanged, the session ignores it.
        if (!latency) yield outcome;
        else yield { ...outcome, evaluation: { ...outcome.evaluation, latencyMs: await latency } };
      }
    } finally {
      signal?.removeEventListener('abort', stop);
      if (!measuring.signal.aborted) measuring.abort(new NasmeshError('the evaluation ended'));
    }
  }

  private async measure(job: EvaluationJob, signal: AbortSignal): Promise<number> {
    const { space, network, measurement } = this.options;
    try {
      return await this.source.latencyMs({ space, architecture: job.architecture, network, ...measurement }, signal);
    } catch (e) {
      if (signal.aborted) throw e;
      throw new NasmeshError(`candidate ${job.index}: measuring its latency failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

function key({ search, index }: { search: string; index: number }): string {
  return `${search}/${index}`;
}
