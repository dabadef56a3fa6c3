export type { Architecture, ArchitectureJson, Decision, SearchSpace, SpaceName } from './types.js';
export { SPACE_NAMES } from './types.js';
export { InvalidArchitectureError } from './errors.js';
export { spaceConfigSchema, createSpace } from './registry.js';
export type { SpaceConfig } from './registry.js';
export { Nb201Space, NB201_OPS } from './nb201.js';
