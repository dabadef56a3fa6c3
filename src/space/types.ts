/** One categorical decision of an architecture. */
export interface Decision {
  /** Unique dotted name, e.g. `normal.block2.input1`; used in errors and in the JSON form. */
  readonly name: string;
  /** Decision type: decisions of one kind share a controller embedding and softmax head. */
  readonly kind: string;
  /** Labels of the choices, in index order. */
  readonly choices: readonly string[];
  /** Encoding group (a node of the architecture) this decision belongs to, e.g. `normal.block2`. */
  readonly node: string;
  /** "Which earlier node feeds this" decisions: choice i selects anchor node `selects[i]` (ENAS input selection). */
  readonly selects?: readonly number[];
  /** Binary "take a skip connection from node n" decision (choices `0`, `1`), scored by attention to that node. */
  readonly skipFrom?: number;
  /** After this decision the controller's state becomes the anchor of this node id. */
  readonly defines?: number;
}

/** An architecture is the index chosen for every decision, in decision order. */
export type Architecture = readonly number[];

export const SPACE_NAMES = ['nb201', 'enas-micro', 'enas-macro', 'mnas'] as const;
export type SpaceName = (typeof SPACE_NAMES)[number];

export interface SearchSpace {
  readonly name: SpaceName;
  readonly decisions: readonly Decision[];
  /** Anchor nodes that exist before any decision (cell inputs); the controller learns an embedding for each. */
  readonly inputNodes: readonly number[];
  /** The resolved space hyper-parameters (defaults filled in). */
  readonly config: Readonly<Record<string, unknown>>;
  sample(rng: { int(n: number): number }): number[];
  /** Changes exactly one decision to a different value. */
  mutate(arch: Architecture, rng: { int(n: number): number }): number[];
  /** Canonical string form. */
  encode(arch: Architecture): string;
  decode(text: string): number[];
  toJSON(arch: Architecture): ArchitectureJson;
  fromJSON(json: unknown): number[];
  /** Throws InvalidArchitectureError naming the decision and its allowed values. */
  validate(arch: readonly unknown[]): asserts arch is Architecture;
  /** Number of distinct decision sequences. */
  count(): bigint;
  /** Stable short hash of the canonical string (cache key). */
  hash(arch: Architecture): string;
}

export interface ArchitectureJson {
  space: SpaceName;
  arch: string;
  decisions: Record<string, string>;
}
