import { type SearchSpec, searchSpecSchema } from '../../../src/spec/search-spec.js';
import { ValidationError } from '../../../src/util/errors.js';
import { parseWith } from '../../../src/util/schema.js';
import type { SearchDocument } from '../../gen/nasmesh/v1/common.js';

/**
 * Validates a SearchDocument with src/spec's schema, as `nasmesh run` validates a YAML file: errors name the field
 * path (`spec.budget.candidates`, `metadata.name`), and the result has every default filled in. proto3 cannot tell
 * an empty namespace or label map from an absent one, so those count as absent.
 */
export function specFromDocument(document: SearchDocument | undefined, field = 'document'): SearchSpec {
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
