import { LineProgress } from '../../src/progress/line-progress.js';
import type { BackendChoice } from '../../src/tf/backend.js';
import { type DataConfig, dataRoots, type NatsConfig } from '../common/security/service-security.js';
import { natsSecurity } from '../common/security/nats-security.js';
import { closeNats, connectNats, NatsSearchStore } from '../common/nats/index.js';
import { runFinalStageJob } from './final-stage-job.js';

/** `nasmesh final`'s flags. */
export interface FinalStageConfig extends NatsConfig, DataConfig {
  /** TensorFlow.js backend (overrides the spec). */
  readonly backend?: BackendChoice;
  /** A plaintext NATS connection beyond loopback is allowed (with a warning). */
  readonly insecure: boolean;
}

/**
 * `nasmesh final <search-id>`: the final stage of a succeeded search, run as a process of its own (a Kubernetes Job
 * once the search succeeded), its result files stored in the mesh's store for `nasmesh results`. Logs a line per
 * step and training epoch, and progress lines with ETAs (no redrawn bars: it runs in a pod).
 */
export async function runFinal(id: string, options: FinalStageConfig): Promise<void> {
  const security = await natsSecurity(options.nats, options, (line) => console.error(line));
  const roots = await dataRoots(options);
  const nc = await connectNats({ servers: options.nats, name: `final-stage-${process.pid}`, security });
  try {
    const log = (line: string) => console.log(line);
    const progress = new LineProgress(process.stdout);
    const summary = await runFinalStageJob(await NatsSearchStore.open(nc), id, {
      ...(options.backend ? { backend: options.backend } : {}),
      roots,
      log,
      onProgress: (p) => progress.update(p),
    });
    const show = (label: string, r: { testAccuracy: number; params: number } | null | undefined) =>
      r && log(`${label}: test accuracy ${(r.testAccuracy * 100).toFixed(2)} %, ${r.params} params`);
    show('best, retrained', summary?.best);
    show('baseline', summary?.baseline);
    log(`search ${id}: results complete`);
  } finally {
    await closeNats(nc);
  }
}
