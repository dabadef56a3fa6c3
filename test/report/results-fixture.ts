import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FixtureCandidate {
  reward: number;
  params?: number;
  latencyMs?: number;
  diverged?: string;
}

/**
 * Writes a results directory the way `nasmesh run` does (search.json, candidates.jsonl, summary.json) plus, when
 * `controller` is given, the controller.jsonl stats lines. Accuracy equals reward, FLOPs are 50 per parameter.
 */
export function writeResults(opts: {
  candidates: readonly FixtureCandidate[];
  strategy?: string;
  controller?: readonly object[];
  summary?: boolean;
  /** The search's space (default nb201) and the retrained best's canonical string (default `|arch~best|`). */
  space?: object;
  bestArch?: string;
  /** More summary.json fields (the final stage's finalists and Kendall τ). */
  summaryFields?: object;
  /** spec.evaluation (default standalone, 1 epoch). */
  evaluation?: object;
}): string {
  const dir = mkdtempSync(join(tmpdir(), 'nasmesh-report-'));
  const search = {
    apiVersion: 'nasmesh.io/v1alpha1',
    kind: 'NASSearch',
    metadata: { name: 'fixture-search' },
    spec: {
      seed: 7,
      space: opts.space ?? { name: 'nb201' },
      strategy: { name: opts.strategy ?? 'reinforce', batchSize: 10 },
      evaluation: opts.evaluation ?? { mode: 'standalone', epochs: 1 },
      reward: { objective: 'accuracy' },
      budget: { candidates: opts.candidates.length },
    },
  };
  writeFileSync(join(dir, 'search.json'), JSON.stringify(search, null, 2));
  const lines = opts.candidates.map((c, index) => ({
    index,
    architecture: { space: 'nb201', arch: `|arch~${index}|`, decisions: {} },
    hash: `h${index}`,
    reward: c.reward,
    accuracy: c.reward,
    params: c.params ?? 0,
    flops: (c.params ?? 0) * 50,
    seconds: 1,
    ...(c.latencyMs === undefined ? {} : { latencyMs: c.latencyMs }),
    ...(c.diverged === undefined ? {} : { diverged: c.diverged }),
  }));
  writeFileSync(join(dir, 'candidates.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  if (opts.summary !== false) {
    const final = (architecture: object, testAccuracy: number) => {
      return { architecture, testAccuracy, params: 1234, flops: 56789, epochs: 3, seconds: 9 };
    };
    const summary = {
      search: 'fixture-search',
      seed: 7,
      durationSeconds: 12.5,
      candidates: lines.length,
      bestCandidate: null,
      best: final({ space: 'nb201', arch: opts.bestArch ?? '|arch~best|', decisions: {} }, 0.9123),
      baseline: final({ baseline: 'resnet-small' }, 0.8765),
      ...opts.summaryFields,
    };
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  }
  if (opts.controller) {
    writeFileSync(join(dir, 'controller.jsonl'), opts.controller.map((s) => `${JSON.stringify(s)}\n`).join(''));
  }
  return dir;
}
