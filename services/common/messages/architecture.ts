import type { SpaceConfig } from '../../../src/space/registry.js';
import type { ArchitectureJson } from '../../../src/space/types.js';
import type { Architecture as ArchitectureMessage } from '../../gen/nasmesh/v1/common.js';

/**
 * An Architecture message with decisions and canonical string filled in, and the hash when known (a job's
 * architecture has none yet); `choices` stays empty, because the engine's records carry decisions, from which
 * servers read the architecture equally well.
 */
export function architectureMessage(space: SpaceConfig, arch: ArchitectureJson, hash = ''): ArchitectureMessage {
  const { name, ...options } = typeof space === 'string' ? { name: space } : space;
  return { space: name, spaceOptions: options, choices: [], decisions: { ...arch.decisions }, arch: arch.arch, hash };
}

/** The engine's JSON form of an architecture message written by architectureMessage (or any with decisions set). */
export function architectureJson(message: ArchitectureMessage): ArchitectureJson {
  return { space: message.space as ArchitectureJson['space'], arch: message.arch, decisions: { ...message.decisions } };
}
