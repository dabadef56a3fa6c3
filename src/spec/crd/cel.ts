import type { CelValidation } from './schema-node.js';

/**
 * Fields of an object that only some values of its discriminator take (`spec.evaluation.table` with `mode:
 * benchmark`). A structural schema cannot say this; a CEL rule per field can, and its message names the field.
 */
export interface ConditionalFields {
  /** The property whose value selects the variant: `mode`, `name`, `objective`. */
  readonly discriminator: string;
  /** Fields allowed only for these values. */
  readonly onlyFor: Readonly<Record<string, readonly string[]>>;
  /** Fields required for these values (optional or absent for the others). */
  readonly requiredFor: Readonly<Record<string, readonly string[]>>;
}

// The API server's CEL names a property by its name only where that is a plain identifier and not a CEL keyword.
const CEL_RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

function celField(name: string, path: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name) || CEL_RESERVED.has(name)) {
    throw new Error(`${path}.${name}: no CEL rule can name this property (not a plain identifier)`);
  }
  return `self.${name}`;
}

/** `self.mode == "benchmark"`, or `self.mode in [...]` for several values; values quoted as JSON, which CEL reads. */
function isOneOf(selector: string, values: readonly string[]): string {
  return values.length === 1
    ? `${selector} == ${JSON.stringify(values[0])}`
    : `${selector} in [${values.map((v) => JSON.stringify(v)).join(', ')}]`;
}

function isNoneOf(selector: string, values: readonly string[]): string {
  return values.length === 1 ? `${selector} != ${JSON.stringify(values[0])}` : `!(${isOneOf(selector, values)})`;
}

/** `a`, `a or b`, `a, b or c`. */
const either = (values: readonly string[]) => (values.length === 1 ? values[0]! : `${values.slice(0, -1).join(', ')} or ${values.at(-1)!}`);

/** One rule per conditional field; each is a constant-cost comparison, far below the API server's cost limits. */
export function conditionalFieldRules(fields: ConditionalFields, path: string): CelValidation[] {
  const d = fields.discriminator;
  const selector = celField(d, path);
  const rules: CelValidation[] = [];
  for (const [field, values] of Object.entries(fields.requiredFor)) {
    rules.push({
      rule: `${isNoneOf(selector, values)} || has(${celField(field, path)})`,
      message: `${path}.${field} is required when ${d} is ${either(values)}`,
      fieldPath: `.${field}`,
      reason: 'FieldValueRequired',
    });
  }
  for (const [field, values] of Object.entries(fields.onlyFor)) {
    rules.push({
      rule: `!has(${celField(field, path)}) || ${isOneOf(selector, values)}`,
      message: `${path}.${field} is only for ${d} ${either(values)}`,
      fieldPath: `.${field}`,
      reason: 'FieldValueForbidden',
    });
  }
  return rules;
}
