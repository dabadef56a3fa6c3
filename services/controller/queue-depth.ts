import type { JetStreamManager } from 'nats';
import type { ControllerMetrics } from '../common/metrics/controller-metrics.js';
import { WORK_STREAM } from '../common/nats/subjects.js';

/**
 * Keeps nasmesh_work_queue_depth current: jobs in the work stream that no evaluator holds (a work-queue stream keeps
 * a job until it is acked, so held jobs are subtracted). Polled, because no event marks a job being taken. A poll
 * that fails (nats-server restarting, stream not created yet) leaves the last value.
 */
export function pollQueueDepth(jsm: JetStreamManager, metrics: ControllerMetrics, everyMs: number): () => void {
  const poll = async () => {
    try {
      const stream = await jsm.streams.info(WORK_STREAM);
      let held = 0;
      for await (const consumer of jsm.consumers.list(WORK_STREAM)) held += consumer.num_ack_pending;
      metrics.workQueueDepth(Math.max(0, stream.state.messages - held));
    } catch {
      // Keep the last value; the next poll tries again.
    }
  };
  const timer = setInterval(() => void poll(), everyMs);
  void poll();
  return () => clearInterval(timer);
}
