import { ValidationError } from '../util/errors.js';

/**
 * A search id is a DNS label (a Kubernetes resource name without dots): it is used verbatim as a directory name, a
 * NATS subject token, a KV key token and part of a JetStream consumer name, all of which it is safe for.
 */
const SEARCH_ID = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Blob names are `/`-separated segments of letters, digits, `.`, `_` and `-`, none starting with a dot. */
const BLOB_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export function isSearchId(id: string): boolean {
  return SEARCH_ID.test(id);
}

export function assertSearchId(id: string, field = 'search.id'): void {
  if (!isSearchId(id)) {
    const problem = `'${id}' must be 1-63 lower-case letters, digits or '-', starting and ending alphanumeric`;
    throw new ValidationError(field, problem);
  }
}

export function assertBlobName(name: string, field = 'blob.name'): void {
  if (name.length > 512 || !name.split('/').every((s) => BLOB_SEGMENT.test(s))) {
    const problem = `'${name}' must be '/'-separated segments of [A-Za-z0-9._-], none starting with '.'`;
    throw new ValidationError(field, problem);
  }
}

/** A prefix of blob names to list: empty, or a blob name, or one followed by `/` (a folder: `results/`). */
export function assertBlobPrefix(prefix: string, field = 'blob.prefix'): void {
  const name = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (name !== '') assertBlobName(name, field);
}

export function assertCandidateIndex(index: number, field = 'candidate.index'): void {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new ValidationError(field, `${index} is not a non-negative integer`);
  }
}

/** Zero-padded so that file names and KV keys sort in index order. */
export function padIndex(index: number): string {
  return String(index).padStart(9, '0');
}
