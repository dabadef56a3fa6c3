import { isDeepStrictEqual } from 'node:util';
import { conditionalFieldRules } from './cel.js';
import { childPath, ordered, type SchemaNode } from './schema-node.js';

/**
 * A discriminated union (`spec.evaluation` by `mode`) as ONE object schema, since a structural schema may not branch
 * on types: the members' properties side by side, the discriminator an enum of every member's value, `required`
 * what every member requires. What only some members allow or require becomes a CEL rule per field.
 * `members` are structural object schemas, each with its discriminator as a one-value enum.
 */
export function flattenUnion(members: SchemaNode[], path: string): SchemaNode {
  if (members.some((m) => m['x-kubernetes-validations'])) {
    throw new Error(`${path}: cannot flatten a union member with CEL rules of its own`);
  }
  const discriminator = findDiscriminator(members, path);
  const valueOf = (member: SchemaNode) => String(member.properties![discriminator]!.enum![0]);
  const keys = [...new Set(members.flatMap((m) => Object.keys(m.properties ?? {})))];
  const properties: Record<string, SchemaNode> = {};
  const onlyFor: Record<string, string[]> = {};
  const requiredFor: Record<string, string[]> = {};
  for (const key of keys) {
    if (key === discriminator) {
      const description = members[0]!.properties![key]!.description;
      properties[key] = { type: 'string', enum: members.map(valueOf), ...(description !== undefined && { description }) };
      continue;
    }
    const having = members.filter((m) => m.properties?.[key] !== undefined);
    const everywhere = having.length === members.length;
    properties[key] = mergeSchemas(
      having.map((m) => m.properties![key]!),
      everywhere,
      childPath(path, key),
    );
    // A field the members describe differently says what it means for each (`kubectl explain` shows one text).
    const descriptionOf = (m: SchemaNode) => m.properties![key]!.description as string | undefined;
    const texts = [...new Set(having.map(descriptionOf).filter((d): d is string => d !== undefined))];
    if (texts.length === 1) properties[key]!.description = texts[0];
    if (texts.length > 1) {
      const who = (text: string) =>
        having
          .filter((m) => descriptionOf(m) === text)
          .map(valueOf)
          .join(', ');
      properties[key]!.description = texts.map((text) => `${who(text)}: ${text}`).join(' ');
    }
    if (!everywhere) onlyFor[key] = having.map(valueOf);
    const requiring = members.filter((m) => m.required?.includes(key));
    if (requiring.length > 0 && requiring.length < members.length) requiredFor[key] = requiring.map(valueOf);
  }
  const required = keys.filter((k) => members.every((m) => m.required?.includes(k)));
  const rules = conditionalFieldRules({ discriminator, onlyFor, requiredFor }, path);
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    ...(rules.length > 0 ? { 'x-kubernetes-validations': rules } : {}),
  };
}

/** The property that is a one-value enum in every member, with a different value in each. */
function findDiscriminator(members: SchemaNode[], path: string): string {
  const candidates = Object.keys(members[0]?.properties ?? {}).filter((key) => {
    const values = members.map((m) => (m.type === 'object' ? m.properties?.[key]?.enum : undefined));
    return values.every((v) => v?.length === 1) && new Set(values.map((v) => v![0])).size === members.length;
  });
  if (candidates.length !== 1) {
    throw new Error(`${path}: a union must be of objects told apart by one property (found ${candidates.length})`);
  }
  return candidates[0]!;
}

/**
 * The loosest schema every one of `schemas` satisfies (a CRD may be looser than zod, never stricter: the operator
 * re-validates with zod): enums joined, the wider bound, a keyword they disagree on dropped. `everywhere` says
 * whether every member of the union has this property: a default only one member has would be applied by the API
 * server to the others too, which do not take the property, so it is kept only where all agree.
 */
export function mergeSchemas(schemas: SchemaNode[], everywhere: boolean, path: string): SchemaNode {
  const [first, ...rest] = schemas;
  if (!first) throw new Error(`${path}: nothing to merge`);
  if (rest.length === 0) return everywhere ? first : withoutDefault(first);
  const types = new Set(schemas.map((s) => s.type));
  if (types.size > 1 && !(types.size === 2 && types.has('integer') && types.has('number'))) {
    throw new Error(`${path}: the union's members give it different types (${[...types].join(', ')})`);
  }
  const merged: SchemaNode = {};
  for (const key of new Set(schemas.flatMap((s) => Object.keys(s)))) {
    const values = schemas.map((s) => s[key]);
    if (values.every((v) => isDeepStrictEqual(v, values[0]))) merged[key] = values[0];
  }
  if (first.type !== undefined) merged.type = types.size === 1 ? first.type : 'number';
  if (schemas.every((s) => s.enum)) merged.enum = [...new Set(schemas.flatMap((s) => s.enum!))];
  for (const [bound, exclusive, pick] of BOUNDS) Object.assign(merged, loosestBound(schemas, bound, exclusive, pick));
  if (schemas.some((s) => s['x-kubernetes-preserve-unknown-fields'])) merged['x-kubernetes-preserve-unknown-fields'] = true;
  if (schemas.every((s) => s.items))
    merged.items = mergeSchemas(
      schemas.map((s) => s.items!),
      true,
      `${path}[]`,
    );
  if (schemas.every((s) => typeof s.additionalProperties === 'object')) {
    merged.additionalProperties = mergeSchemas(
      schemas.map((s) => s.additionalProperties as SchemaNode),
      true,
      path,
    );
  }
  if (schemas.some((s) => s.properties)) Object.assign(merged, mergeProperties(schemas, path));
  return ordered(everywhere ? merged : withoutDefault(merged));
}

/** Object members merged: every property any of them has, required what all require. */
function mergeProperties(schemas: SchemaNode[], path: string): SchemaNode {
  const keys = [...new Set(schemas.flatMap((s) => Object.keys(s.properties ?? {})))];
  const properties: Record<string, SchemaNode> = {};
  for (const key of keys) {
    const having = schemas.filter((s) => s.properties?.[key] !== undefined).map((s) => s.properties![key]!);
    properties[key] = mergeSchemas(having, having.length === schemas.length, childPath(path, key));
  }
  const required = keys.filter((k) => schemas.every((s) => s.required?.includes(k)));
  return required.length > 0 ? { properties, required } : { properties };
}

type Pick = (a: number, b: number) => number;
const BOUNDS: [string, string | undefined, Pick][] = [
  ['minimum', 'exclusiveMinimum', Math.min],
  ['maximum', 'exclusiveMaximum', Math.max],
  ['minLength', undefined, Math.min],
  ['maxLength', undefined, Math.max],
  ['minItems', undefined, Math.min],
  ['maxItems', undefined, Math.max],
];

/** The widest of the schemas' bounds, or none where one schema has none; exclusive only if every widest one is. */
function loosestBound(schemas: SchemaNode[], bound: string, exclusive: string | undefined, pick: Pick): SchemaNode {
  const values = schemas.map((s) => s[bound]);
  if (!values.every((v): v is number => typeof v === 'number')) return {};
  const widest = values.reduce((a, b) => pick(a, b));
  const strict = exclusive !== undefined && schemas.every((s) => s[bound] !== widest || s[exclusive] === true);
  return strict ? { [bound]: widest, [exclusive]: true } : { [bound]: widest };
}

function withoutDefault({ default: _, ...schema }: SchemaNode): SchemaNode {
  return schema;
}
