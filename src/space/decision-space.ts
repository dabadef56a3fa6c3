import { createHash } from 'node:crypto';
import { InvalidArchitectureError } from './errors.js';
import type { Architecture, ArchitectureJson, Decision, SearchSpace, SpaceName } from './types.js';

type IntRng = { int(n: number): number };

/**
 * Everything a space offers, derived from its decision list. Subclasses build the decisions and may override the
 * canonical string (NB201 uses the NATS-Bench form). The generic string groups decisions by node:
 * `normal.block0:in0,in1,sep_conv_3x3,identity|normal.block1:...`.
 */
export abstract class DecisionSpace implements SearchSpace {
  abstract readonly name: SpaceName;
  readonly inputNodes: readonly number[] = [];
  private readonly byName: ReadonlyMap<string, number>;

  constructor(
    readonly decisions: readonly Decision[],
    readonly config: Readonly<Record<string, unknown>>,
  ) {
    this.byName = new Map(decisions.map((d, i) => [d.name, i]));
  }

  sample(rng: IntRng): number[] {
    return this.decisions.map((d) => rng.int(d.choices.length));
  }

  mutate(arch: Architecture, rng: IntRng): number[] {
    const mutable = this.decisions.map((d, i) => (d.choices.length > 1 ? i : -1)).filter((i) => i >= 0);
    if (mutable.length === 0) {
      throw new InvalidArchitectureError('space', `every decision of this ${this.name} space has one choice: nothing to mutate`);
    }
    const out = [...arch];
    const i = mutable[rng.int(mutable.length)]!;
    const other = rng.int(this.decisions[i]!.choices.length - 1);
    out[i] = other >= arch[i]! ? other + 1 : other;
    return out;
  }

  encode(arch: Architecture): string {
    this.validate(arch);
    const groups: string[] = [];
    let node = '';
    let labels: string[] = [];
    this.decisions.forEach((d, i) => {
      if (d.node !== node && labels.length > 0) {
        groups.push(`${node}:${labels.join(',')}`);
        labels = [];
      }
      node = d.node;
      labels.push(d.choices[arch[i]!]!);
    });
    if (labels.length > 0) groups.push(`${node}:${labels.join(',')}`);
    return groups.join('|');
  }

  decode(text: string): number[] {
    const labels: string[] = [];
    const nodes: string[] = [];
    for (const group of text.trim().split('|')) {
      const colon = group.indexOf(':');
      if (colon < 0) throw new InvalidArchitectureError('arch', `group '${group}' is not 'node:choice,...'`);
      const node = group.slice(0, colon);
      for (const label of group.slice(colon + 1).split(',')) {
        labels.push(label);
        nodes.push(node);
      }
    }
    if (labels.length !== this.decisions.length) {
      throw new InvalidArchitectureError('arch', `has ${labels.length} decisions, the ${this.name} space has ${this.decisions.length}`);
    }
    return this.decisions.map((d, i) => {
      if (nodes[i] !== d.node) {
        throw new InvalidArchitectureError(d.name, `expected group '${d.node}', found '${nodes[i]}'`);
      }
      return this.indexOf(d, labels[i]!);
    });
  }

  toJSON(arch: Architecture): ArchitectureJson {
    this.validate(arch);
    const decisions: Record<string, string> = {};
    this.decisions.forEach((d, i) => (decisions[d.name] = d.choices[arch[i]!]!));
    return { space: this.name, arch: this.encode(arch), decisions };
  }

  fromJSON(json: unknown): number[] {
    if (typeof json === 'string') return this.decode(json);
    if (Array.isArray(json)) {
      this.validate(json);
      return [...json];
    }
    if (json === null || typeof json !== 'object') {
      throw new InvalidArchitectureError('architecture', 'must be a string, an index array or {space, decisions}');
    }
    const obj = json as Partial<ArchitectureJson>;
    if (obj.space !== undefined && obj.space !== this.name) {
      throw new InvalidArchitectureError('architecture.space', `is '${obj.space}', expected '${this.name}'`);
    }
    if (obj.decisions && typeof obj.decisions === 'object') {
      const unknown = Object.keys(obj.decisions).find((k) => !this.byName.has(k));
      if (unknown) throw new InvalidArchitectureError(`architecture.decisions.${unknown}`, 'is not a decision of this space');
      return this.decisions.map((d) => {
        const label = obj.decisions![d.name];
        if (label === undefined) throw new InvalidArchitectureError(`architecture.decisions.${d.name}`, 'is missing', d.choices);
        return this.indexOf(d, String(label));
      });
    }
    if (typeof obj.arch === 'string') return this.decode(obj.arch);
    throw new InvalidArchitectureError('architecture', 'has neither decisions nor arch');
  }

  validate(arch: readonly unknown[]): asserts arch is Architecture {
    if (arch.length !== this.decisions.length) {
      throw new InvalidArchitectureError(
        'architecture',
        `has ${arch.length} decisions, the ${this.name} space has ${this.decisions.length}`,
      );
    }
    this.decisions.forEach((d, i) => {
      const v = arch[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= d.choices.length) {
        throw new InvalidArchitectureError(
          d.name,
          `value ${String(v)} is out of range`,
          d.choices.map((c, j) => `${j} (${c})`),
        );
      }
    });
  }

  count(): bigint {
    return this.decisions.reduce((n, d) => n * BigInt(d.choices.length), 1n);
  }

  hash(arch: Architecture): string {
    return createHash('sha256')
      .update(`${this.name}\n${this.encode(arch)}`)
      .digest('hex')
      .slice(0, 16);
  }

  protected indexOf(d: Decision, label: string): number {
    const i = d.choices.indexOf(label);
    if (i < 0) throw new InvalidArchitectureError(d.name, `value '${label}' is not allowed`, d.choices);
    return i;
  }
}
