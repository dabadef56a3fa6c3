import type { LoadOptions } from '../data/load.js';
import type { DatasetSpecInput } from '../data/spec.js';
import type { BackendName } from '../tf/backend.js';
import type { BaselineName } from '../train/baseline.js';
import type { NetworkConfig } from '../train/types.js';
import { NasmeshError } from '../util/errors.js';
import { siblingModule, startWorker } from '../util/worker.js';
import type { FinalStageOptions } from './final-stage.js';
import type { FinalResult } from './types.js';

export interface BaselineJob {
  name: BaselineName;
  dataset: DatasetSpecInput;
  dataOptions?: LoadOptions;
  network: Omit<NetworkConfig, 'inputShape' | 'classes'>;
  options: Omit<FinalStageOptions, 'onEpoch'>;
  backend: BackendName;
}

export type BaselineMessage =
  | { type: 'epoch'; label: string; epoch: number; loss: number }
  | { type: 'done'; result: FinalResult }
  | { type: 'error'; message: string };

/**
 * Trains the baseline in a worker thread. It needs nothing from the search, so the embedded run starts it first and
 * it trains on the second core while the search and the retraining of the best candidates use the first.
 */
export function trainBaselineInThread(
  job: BaselineJob,
  onEpoch?: FinalStageOptions['onEpoch'],
): { result: Promise<FinalResult>; stop: () => Promise<void> } {
  const worker = startWorker(siblingModule('baseline-worker', import.meta.url), job);
  const result = new Promise<FinalResult>((resolve, reject) => {
    worker.on('message', (m: BaselineMessage) => {
      if (m.type === 'epoch') onEpoch?.(m.label, m.epoch, m.loss);
      else {
        void worker.terminate();
        if (m.type === 'done') resolve(m.result);
        else reject(new NasmeshError(`baseline training failed: ${m.message}`));
      }
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new NasmeshError(`baseline worker exited with code ${code}`)));
  });
  // The caller awaits `result` only after its own work; until then a failure must not count as unhandled.
  result.catch(() => {});
  return { result, stop: async () => void (await worker.terminate()) };
}
