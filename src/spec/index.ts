export { searchSpecSchema, type SearchSpec, type SearchSpecInput } from './search-spec.js';
export { loadSearchSpec, parseSearchSpec } from './load.js';
