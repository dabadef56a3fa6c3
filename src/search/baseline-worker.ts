import { parentPort, workerData } from 'node:worker_threads';
import { loadDataset } from '../data/load.js';
import { initBackend } from '../tf/backend.js';
import type { BaselineJob, BaselineMessage } from './baseline-thread.js';
import { trainBaseline } from './final-stage.js';

/** Trains the final stage's baseline network in its own thread (own backend, own dataset copy). */
const job = workerData as BaselineJob;
const post = (m: BaselineMessage) => parentPort!.postMessage(m);
try {
  await initBackend(job.backend);
  const data = await loadDataset(job.dataset, job.dataOptions);
  const network = { inputShape: data.shape, classes: data.classes, ...job.network };
  const result = trainBaseline(job.name, data, network, {
    ...job.options,
    onEpoch: (label, epoch, loss) => post({ type: 'epoch', label, epoch, loss }),
  });
  post({ type: 'done', result });
} catch (e) {
  post({ type: 'error', message: (e as Error).stack ?? String(e) });
}
