export type { Architecture, ArchitectureJson, Decision, SearchSpace, SpaceName } from './types.js';
export { SPACE_NAMES } from './types.js';
export { InvalidArchitectureError } from './errors.js';
export { spaceConfigSchema, createSpace } from './registry.js';
export type { SpaceConfig } from './registry.js';
export { Nb201Space, NB201_OPS } from './nb201.js';
export { EnasMicroSpace, MICRO_OPS } from './enas-micro.js';
export { EnasMacroSpace, MACRO_OPS } from './enas-macro.js';
export { MnasSpace, MNAS_CHOICES, MOBILENET_V2_STAGES } from './mnas.js';
