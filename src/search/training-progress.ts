import type { TrainingProgress } from '../train/fit.js';
import type { SearchProgress } from './types.js';

/** A training's progress (a finalist's short training or retraining, the baseline's training) as the search reports it. */
export function trainingProgress(phase: 'finalists' | 'final' | 'baseline', subject: string, p: TrainingProgress): SearchProgress {
  return { phase, subject, done: p.step, total: p.steps, unit: 'batches', detail: `epoch ${p.epoch + 1}/${p.epochs}`, loss: p.loss };
}

/**
 * `runs` trainings of as many batches each, running at once (the finalists' short trainings on worker threads), as
 * one progress over all their batches: the listener of run `i` feeds it. Their length is known from the first report
 * of any (every training reports its length before its first batch).
 */
export function combinedTrainingProgress(
  phase: SearchProgress['phase'],
  runs: number,
  report: (progress: SearchProgress) => void,
): (run: number) => (progress: TrainingProgress) => void {
  const done = new Array<number>(runs).fill(0);
  return (run) => (p) => {
    done[run] = p.step;
    const finished = done.filter((d) => d === p.steps).length;
    report({ phase, done: done.reduce((a, b) => a + b, 0), total: runs * p.steps, unit: 'batches', detail: `${finished}/${runs} trained` });
  };
}
