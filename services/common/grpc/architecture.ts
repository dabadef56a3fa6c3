import { createSpace, type SpaceConfig } from '../../../src/space/registry.js';
import { type Architecture, type SearchSpace, SPACE_NAMES, type SpaceName } from '../../../src/space/types.js';
import { ValidationError } from '../../../src/util/errors.js';
import type { Architecture as ArchitectureMessage } from '../../gen/nasmesh/v1/common.js';

/**
 * The space and decision indices an Architecture message names, read from the first of `choices`, `decisions`,
 * `arch` that is set. Errors name the message field (`architecture.choices`, `architecture.spaceOptions.blocks`)
 * and, for a bad decision, the decision and its allowed values.
 */
export function architectureFromMessage(
  message: ArchitectureMessage | undefined,
  field = 'architecture',
): { space: SearchSpace; arch: Architecture } {
  if (message === undefined) throw new ValidationError(field, 'is required');
  if (!SPACE_NAMES.includes(message.space as SpaceName)) {
    throw new ValidationError(`${field}.space`, `'${message.space}' is not a search space`, SPACE_NAMES);
  }
  const options = message.spaceOptions ?? {};
  if ('name' in options) {
    throw new ValidationError(`${field}.spaceOptions.name`, 'must not be set: `space` names the space');
  }
  const space: SearchSpace = createSpace({ ...options, name: message.space } as SpaceConfig, `${field}.spaceOptions`);
  const form =
    message.choices.length > 0
      ? 'choices'
      : Object.keys(message.decisions).length > 0
        ? 'decisions'
        : message.arch !== ''
          ? 'arch'
          : undefined;
  if (form === undefined) throw new ValidationError(field, 'set one of choices, decisions or arch');
  try {
    if (form === 'choices') {
      space.validate(message.choices);
      return { space, arch: message.choices };
    }
    const arch = form === 'decisions' ? space.fromJSON({ decisions: message.decisions }) : space.decode(message.arch);
    return { space, arch };
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    // Space errors name the whole architecture, a path below it (fromJSON's), or a decision or node of the space.
    if (e.field === 'architecture' || e.field === form) {
      throw new ValidationError(`${field}.${form}`, e.problem, e.allowed);
    }
    if (e.field.startsWith('architecture.')) {
      throw new ValidationError(field + e.field.slice('architecture'.length), e.problem, e.allowed);
    }
    if (form === 'decisions') throw new ValidationError(`${field}.decisions.${e.field}`, e.problem, e.allowed);
    throw new ValidationError(`${field}.${form}`, `${e.field}: ${e.problem}`, e.allowed);
  }
}
