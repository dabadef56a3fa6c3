import { parseWith } from '../../src/util/schema.js';
import { type SearchSpec, searchSpecSchema } from '../../src/spec/search-spec.js';
import { ValidationError } from '../../src/util/errors.js';
import type { SearchDocument } from '../gen/nasmesh/v1/common.js';

/**
 * The validated NASSearch a SearchDocument message carries. Errors name the document's own path
 * (`spec.evaluation.mode`), as the embedded `nasmesh validate` does. proto3 sends unset strings as '', which the
 * document means as absent.
 */
export function searchSpecFromDocument(document: SearchDocument | undefined): SearchSpec {
  if (document === undefined) throw new ValidationError('document', 'is required');
  const meta = document.metadata;
  const metadata = meta && {
    name: meta.name,
    ...(meta.namespace !== '' && { namespace: meta.namespace }),
    ...(Object.keys(meta.labels).length > 0 && { labels: meta.labels }),
  };
  return parseWith(searchSpecSchema, { apiVersion: document.apiVersion, kind: document.kind, metadata, spec: document.spec }, '');
}
