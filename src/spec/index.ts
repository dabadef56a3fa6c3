export { finalistCount, searchSpecSchema, type SearchSpec, type SearchSpecInput } from './search-spec.js';
export { loadSearchSpec, parseSearchSpec } from './load.js';
export { NASSEARCH_CRD_NAME, nasSearchCrd, nasSearchCrdYaml, type CustomResourceDefinition } from './crd.js';
export { SEARCH_STATUS_PHASES, searchStatusSchema, type CandidateSummary, type SearchPhase, type SearchStatus } from './search-status.js';
export { workersSpecSchema, type WorkersSpec, type WorkersSpecInput } from './workers-spec.js';
