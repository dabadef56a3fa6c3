/** One node of an OpenAPI v3 schema as plain JSON: what z.toJSONSchema returns, and what a CRD holds. */
export interface SchemaNode {
  [keyword: string]: unknown;
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  enum?: unknown[];
  default?: unknown;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  'x-kubernetes-validations'?: CelValidation[];
}

/** A CRD validation rule (`x-kubernetes-validations`), evaluated by the API server with `self` the node's value. */
export interface CelValidation {
  rule: string;
  message: string;
  /** Where the API server reports the error, relative to the node (`.table`). */
  fieldPath?: string;
  reason?: 'FieldValueRequired' | 'FieldValueForbidden' | 'FieldValueInvalid';
}

/** Where a child sits in the user's document, for messages: `spec.evaluation` + `table`. */
export const childPath = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** The keywords of apiextensions.k8s.io/v1 JSONSchemaProps that a generated schema may use. */
export const KEYWORDS = new Set([
  'type',
  'format',
  'description',
  'enum',
  'default',
  'nullable',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'anyOf',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);

// Keywords in this fixed order, so the checked-in YAML reads type first and diffs stay small.
const ORDER = [...KEYWORDS];
export const ordered = (node: SchemaNode): SchemaNode =>
  Object.fromEntries(Object.entries(node).sort(([a], [b]) => ORDER.indexOf(a) - ORDER.indexOf(b)));
