import { Histogram, type Registry } from 'prom-client';

/** Seconds to profile one architecture: building it, warm-up and the timed runs. */
const PROFILE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Seconds per inference: from tiny cells on a fast machine (0.1 ms) to big networks on a slow one (1 s). */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** What the latency profiler exports per hardware profile: its own cost and the latencies it measured. */
export class ProfilerMetrics {
  private readonly duration: Histogram<'hardware'>;
  private readonly latency: Histogram<'hardware'>;

  constructor(registry: Registry) {
    const histogram = (name: string, help: string, buckets: number[]) =>
      new Histogram({ name, help, labelNames: ['hardware'], buckets, registers: [registry] });
    this.duration = histogram(
      'nasmesh_latency_profile_duration_seconds',
      'Time to profile one architecture (cache misses only).',
      PROFILE_BUCKETS,
    );
    this.latency = histogram(
      'nasmesh_measured_latency_seconds',
      'Median inference latency measured for a profiled architecture.',
      LATENCY_BUCKETS,
    );
  }

  /** One measurement (not a cache hit): how long profiling took and the median latency it found. */
  profiled(hardware: string, result: { seconds: number; medianLatencyMs: number }): void {
    this.duration.observe({ hardware }, result.seconds);
    this.latency.observe({ hardware }, result.medianLatencyMs / 1000);
  }
}
