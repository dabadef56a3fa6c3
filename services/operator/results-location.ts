import type { SearchSpec } from '../../src/spec/search-spec.js';
import type { SearchStatus } from '../../src/spec/search-status.js';
import { BLOB_BUCKET } from '../common/nats/subjects.js';

/**
 * Where a succeeded search's results are (status.results): blobs of the search in the mesh's object store, which
 * `nasmesh results <searchId>` downloads through the controller. candidates.jsonl is always there; the final stage
 * adds the summary and, with a dataset, the exported model (tfjs and ONNX).
 */
export function resultsLocation(searchId: string, spec: SearchSpec): NonNullable<SearchStatus['results']> {
  const final = spec.spec.final !== undefined;
  const model = final && spec.spec.dataset !== undefined;
  const files = [
    'candidates.jsonl',
    ...(final ? ['summary.json', 'best-architectures.json'] : []),
    ...(final && spec.spec.evaluation.mode === 'weight-sharing' ? ['finalists.json'] : []),
    ...(model ? ['best-architecture.json', 'model/model.json', 'model/weights.bin', 'model/model.onnx'] : []),
  ];
  return { objectStore: BLOB_BUCKET, prefix: `${searchId}/blobs/results/`, files, ...(model ? { model: 'model/model.json' } : {}) };
}
