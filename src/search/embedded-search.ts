import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StrategyStats, StrategyStatsRecord } from '../strategy/types.js';
import { loadDataset, type LoadOptions } from '../data/load.js';
import type { SearchSpec } from '../spec/search-spec.js';
import { LocalDirSearchStore } from '../store/local-dir-store.js';
import { datasetNetwork } from '../train/dataset-network.js';
import { runLocalSession } from './local-session.js';
import { directoryResultFiles } from './result-files.js';
import { writeSearchResults } from './search-results.js';
import { SearchSession } from './search-session.js';
import type { SearchProgress, SearchSummary } from './types.js';

export interface EmbeddedSearchOptions {
  outDir: string;
  /** Overrides spec.seed. */
  seed?: number;
  /** Continue the interrupted search stored in `<outDir>/state` (same spec and seed) instead of starting over. */
  resume?: boolean;
  /** Stops the search between evaluations; `resume` continues it. */
  signal?: AbortSignal;
  /** Every long phase's progress: the search, the supernet's training, the derive step, the final stage's trainings. */
  onProgress?: (progress: SearchProgress) => void;
  onLog?: (line: string) => void;
  data?: LoadOptions;
}

/**
 * A whole search in one process: propose, evaluate (table look-up, standalone training or ENAS weight sharing),
 * reward, learn; then what follows every search (writeSearchResults: the derive step, the final stage, summary.json),
 * written to `outDir`. Every evaluated candidate is appended to `candidates.jsonl` as soon as the strategy has
 * observed it. The search runs as a SearchSession whose state is kept in `<outDir>/state`.
 */
export async function runEmbeddedSearch(search: SearchSpec, opts: EmbeddedSearchOptions): Promise<SearchSummary> {
  const started = performance.now();
  const spec = search.spec;
  const seed = opts.seed ?? spec.seed;
  mkdirSync(opts.outDir, { recursive: true });
  const seeded: SearchSpec = { ...search, spec: { ...spec, seed } };
  writeFileSync(join(opts.outDir, 'search.json'), `${JSON.stringify(seeded, null, 2)}\n`);
  const candidatesFile = join(opts.outDir, 'candidates.jsonl');
  writeFileSync(candidatesFile, '');
  // The controller's entropy and baseline after each update, for the report.
  const statsFile = join(opts.outDir, 'controller.jsonl');
  writeFileSync(statsFile, '');
  const recordStats = (observed: number, stats: StrategyStats) =>
    appendFileSync(statsFile, `${JSON.stringify({ observed, ...stats } satisfies StrategyStatsRecord)}\n`);

  const data = spec.dataset ? await loadDataset(spec.dataset, opts.data) : undefined;
  // The session's durable state: what `resume` continues from.
  const stateDir = join(opts.outDir, 'state');
  if (!opts.resume) rmSync(stateDir, { recursive: true, force: true });
  const store = new LocalDirSearchStore(stateDir);
  // A resumed search ran partly in earlier processes: its duration counts their steps too.
  const earlierSeconds = await SearchSession.secondsSpent(store, seeded.metadata.name);
  const records = await runLocalSession(seeded, {
    store,
    candidatesFile,
    onPolicyUpdated: recordStats,
    data,
    network: data && datasetNetwork(data, spec.network),
    dataOptions: opts.data,
    signal: opts.signal,
    onProgress: opts.onProgress,
    onLog: opts.onLog,
  });
  return writeSearchResults(
    { search: seeded, data, dataOptions: opts.data, onLog: opts.onLog, onProgress: opts.onProgress },
    store,
    records,
    directoryResultFiles(opts.outDir),
    earlierSeconds + (performance.now() - started) / 1000,
  );
}
