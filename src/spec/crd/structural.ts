import { z } from 'zod';
import { childPath, KEYWORDS, ordered, type SchemaNode } from './schema-node.js';
import { flattenUnion } from './unions.js';

/**
 * A zod schema's JSON Schema in the dialect a CRD speaks: OpenAPI 3.0 (`enum` for `const`, `exclusiveMinimum:
 * true`), what a user may write (`io: 'input'`: defaults optional), every schema inlined (a CRD has no `$ref`).
 */
export function openApiSchema(schema: z.ZodType): SchemaNode {
  return z.toJSONSchema(schema, {
    io: 'input',
    target: 'openapi-3.0',
    unrepresentable: 'throw',
    cycles: 'throw',
    reused: 'inline',
  }) as SchemaNode;
}

/**
 * Rewrites a JSON Schema node (and everything below it) into the structural schema the API server requires of a
 * CRD: every node typed, no references, no branching on types. Throws, naming the path, on what it cannot say.
 */
export function toStructural(node: SchemaNode, path: string): SchemaNode {
  const { oneOf, anyOf, ...rest } = node;
  const union = oneOf ?? anyOf;
  // A union node's own keywords (a `default`) stay beside what its branches become.
  const out = union ? { ...structuralKeywords(rest, path), ...unionToStructural(union, path) } : structuralKeywords(rest, path);
  assertStructuralNode(out, path);
  return ordered(out);
}

/** The node's keywords rewritten, its children converted. */
function structuralKeywords(node: SchemaNode, path: string): SchemaNode {
  const out = { ...node };
  if (out.$ref !== undefined || out.$defs !== undefined) throw new Error(`${path}: a CRD cannot hold a $ref (inline it)`);
  delete out.$schema;

  if (out.properties) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([key, child]) => [key, toStructural(child, childPath(path, key))]),
    );
  }
  // Kubernetes keys are strings anyway; the API server knows no `propertyNames`.
  delete out.propertyNames;
  if (out.additionalProperties === false) {
    // Unknown fields are pruned, and refused by kubectl's strict field validation: that is a CRD's `strict()`.
    delete out.additionalProperties;
  } else if (out.additionalProperties === true || isEmpty(out.additionalProperties)) {
    // A catchall (`spec.strategy`'s options): kept as written, zod at the operator checks it.
    delete out.additionalProperties;
    out['x-kubernetes-preserve-unknown-fields'] = true;
  } else if (out.additionalProperties) {
    out.additionalProperties = toStructural(out.additionalProperties, `${path}{}`);
  }

  if (out.items) out.items = toStructural(out.items, `${path}[]`);
  if (out.uniqueItems === true) {
    // The API server refuses uniqueItems (quadratic); a set list is checked for duplicates instead.
    if (!SCALAR_TYPES.has(out.items?.type ?? '')) throw new Error(`${path}: only lists of scalars can be sets`);
    delete out.uniqueItems;
    out['x-kubernetes-list-type'] = 'set';
  }
  // The API server checks `format: date-time` itself; zod's regex for it is only a JavaScript spelling of the same.
  if (out.format === 'date-time') delete out.pattern;
  return out;
}

/** A union as one structural node: a merged enum, int-or-string, or a flattened discriminated union. */
function unionToStructural(branches: SchemaNode[], path: string): SchemaNode {
  const types = new Set(branches.map((b) => b.type));
  // Literals (`z.union([z.literal(1), z.literal(2)])`): each branch nothing but a type and a one-value enum.
  const isLiteral = (b: SchemaNode) => b.enum?.length === 1 && Object.keys(b).every((k) => k === 'type' || k === 'enum');
  if (types.size === 1 && branches.every(isLiteral)) {
    const values = branches.map((b) => b.enum![0]);
    const integers = values.every((v) => Number.isInteger(v));
    return { type: types.has('number') && integers ? 'integer' : branches[0]!.type, enum: values };
  }
  if (branches.length === 2 && types.has('string') && types.has('integer')) {
    // Kubernetes' own int-or-string shape (as for resource quantities); string checks apply to strings only.
    const { pattern, minLength, maxLength } = branches.find((b) => b.type === 'string')!;
    return {
      'x-kubernetes-int-or-string': true,
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      ...(pattern === undefined ? {} : { pattern }),
      ...(minLength === undefined ? {} : { minLength }),
      ...(maxLength === undefined ? {} : { maxLength }),
    };
  }
  if (types.size === 1 && types.has('object'))
    return flattenUnion(
      branches.map((b) => toStructural(b, path)),
      path,
    );
  throw new Error(`${path}: a structural schema cannot branch between ${[...types].join(', ')}`);
}

const SCALAR_TYPES = new Set(['string', 'integer', 'number', 'boolean']);

/** Fails on what kube-apiserver would refuse: a node without a type, a keyword it does not know. */
function assertStructuralNode(node: SchemaNode, path: string): void {
  const unknown = Object.keys(node).filter((k) => !KEYWORDS.has(k));
  if (unknown.length > 0) throw new Error(`${path || 'schema'}: a CRD schema cannot hold ${unknown.join(', ')}`);
  if (node.anyOf && !node['x-kubernetes-int-or-string']) throw new Error(`${path}: anyOf is only for int-or-string`);
  if (!node.type && !node['x-kubernetes-preserve-unknown-fields'] && !node['x-kubernetes-int-or-string']) {
    throw new Error(`${path || 'schema'}: every node of a structural schema needs a type`);
  }
}

const isEmpty = (value: unknown) => typeof value === 'object' && value !== null && Object.keys(value).length === 0;
