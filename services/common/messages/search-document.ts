import { assertDataPath } from '../../../src/data/data-roots.js';
import { type SearchSpec, searchSpecSchema } from '../../../src/spec/search-spec.js';
import { ValidationError } from '../../../src/util/errors.js';
import { parseWith } from '../../../src/util/schema.js';
import type { SearchDocument } from '../../gen/nasmesh/v1/common.js';

/**
 * Validates a SearchDocument with src/spec's schema, as `nasmesh run` validates a YAML file: errors name the field
 * path (`spec.budget.candidates`, `metadata.name`), and the result has every default filled in. proto3 cannot tell
 * an empty namespace or label map from an absent one, so those count as absent. A document comes from the network,
 * so the paths it names are checked too (no `..`: data-roots.ts); whether they lie in a data root is for the service
 * that reads them.
 */
export function specFromDocument(document: SearchDocument | undefined, field = 'document'): SearchSpec {
  const spec = parseDocument(document, field);
  const { evaluation, dataset } = spec.spec;
  if (evaluation.mode === 'benchmark') assertDataPath(evaluation.table, 'spec.evaluation.table');
  if (dataset?.path !== undefined) assertDataPath(dataset.path, 'spec.dataset.path');
  return spec;
}

function parseDocument(document: SearchDocument | undefined, field: string): SearchSpec {
  if (!document) throw new ValidationError(field, 'is required');
  const { namespace, labels, name } = document.metadata ?? { name: '', namespace: '', labels: {} };
  return parseWith(
    searchSpecSchema,
    {
      apiVersion: document.apiVersion,
      kind: document.kind,
      metadata: { name, ...(namespace ? { namespace } : {}), ...(Object.keys(labels).length > 0 ? { labels } : {}) },
      spec: document.spec ?? {},
    },
    '',
  );
}

/** A validated spec as a SearchDocument. Keys holding `undefined` are dropped, as JSON would. */
export function documentFromSpec(search: SearchSpec): SearchDocument {
  const plain = JSON.parse(JSON.stringify(search)) as SearchSpec;
  return {
    apiVersion: plain.apiVersion,
    kind: plain.kind,
    metadata: { name: plain.metadata.name, namespace: plain.metadata.namespace ?? '', labels: plain.metadata.labels ?? {} },
    spec: plain.spec as unknown as Record<string, unknown>,
  };
}
