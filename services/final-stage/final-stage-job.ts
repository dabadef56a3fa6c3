import type { DataRoots } from '../../src/data/data-roots.js';
import { loadDataset } from '../../src/data/load.js';
import { writeSearchResults } from '../../src/search/search-results.js';
import type { SearchProgress, SearchSummary } from '../../src/search/types.js';
import type { SearchStore } from '../../src/store/types.js';
import { type BackendChoice, describeBackend, initBackend } from '../../src/tf/backend.js';
import { NasmeshError } from '../../src/util/errors.js';
import { ResultBlobs, RESULTS_PREFIX } from '../common/results/result-blobs.js';

export interface FinalStageJobOptions {
  /** Overrides the spec's backend. */
  readonly backend?: BackendChoice;
  /** Where the search's dataset may be read (its spec came from the network); none: as the spec says. */
  readonly roots?: DataRoots;
  readonly log: (line: string) => void;
  /** The derive step's and the trainings' progress (SearchResultsOptions.onProgress). */
  readonly onProgress?: (progress: SearchProgress) => void;
}

/**
 * The final stage of a succeeded search in the mesh, what `nasmesh run` does after its search: ENAS's derive step
 * (weight sharing), the final stage and summary.json (writeSearchResults, the same code), from the search's stored spec,
 * candidates, policy checkpoint and shared weights, each result file stored as a blob `results/<path>` of the search,
 * then the completion marker. Idempotent: a search whose results are complete is left as it is; one whose previous
 * run stopped midway (a pod killed) is done again from the start, rewriting every file. Returns the summary, or
 * undefined when the results were complete already.
 */
export async function runFinalStageJob(store: SearchStore, id: string, o: FinalStageJobOptions): Promise<SearchSummary | undefined> {
  const search = await store.getSearch(id);
  if (!search) throw new NasmeshError(`no search ${id} in the store`);
  if (search.phase !== 'succeeded') {
    const why = search.message ? ` (${search.message})` : '';
    throw new NasmeshError(`search ${id} is ${search.phase}${why}: the final stage runs once it has succeeded`);
  }
  const blobs = new ResultBlobs(store, id);
  if (await blobs.complete()) {
    o.log(`search ${id}: its results are complete already`);
    return undefined;
  }
  const { spec } = search.spec;
  await initBackend(o.backend ?? spec.backend);
  o.log(`search ${id}: ${describeBackend()}`);
  const dataOptions = o.roots ? { roots: o.roots } : {};
  const data = spec.dataset ? await loadDataset(spec.dataset, dataOptions) : undefined;
  const records = await store.listCandidates(id);
  o.log(
    `search ${id}: ${records.length} candidates${spec.evaluation.mode === 'weight-sharing' ? '; derive step' : ''}${spec.final ? '; final stage' : ''}`,
  );
  const files = blobs.writer((path, bytes) => o.log(`stored ${RESULTS_PREFIX}${path} (${bytes} bytes)`));
  const searchSeconds = (Date.parse(search.updatedAt) - Date.parse(search.createdAt)) / 1000;
  // The finalists' short trainings load the dataset again in their threads: within the same data roots.
  const summary = await writeSearchResults(
    { search: search.spec, data, dataOptions, onLog: o.log, onProgress: o.onProgress },
    store,
    records,
    files,
    searchSeconds,
  );
  await blobs.markComplete(files.written);
  return summary;
}
