import { z } from 'zod';
import { ValidationError } from '../util/errors.js';
import { parseWith } from '../util/schema.js';
import { requireMetric } from './metrics.js';
import type { Metrics } from './types.js';

/** Cost objectives a front can track next to accuracy; all are minimised. */
export const PARETO_COSTS = ['latencyMs', 'params'] as const;
export type ParetoCost = (typeof PARETO_COSTS)[number];

export interface ParetoEntry<T> {
  readonly point: Metrics;
  readonly item: T;
}

/** The checkpoint form; `costs` is null while a front that infers them has seen no point yet. */
export interface ParetoFrontJson<T> {
  costs: ParetoCost[] | null;
  entries: { point: Metrics; item: T }[];
}

const checkpointSchema = z
  .object({
    costs: z.array(z.enum(PARETO_COSTS)).nullable(),
    entries: z.array(
      z
        .object({
          point: z
            .object({
              accuracy: z.number().min(0).max(1),
              latencyMs: z.number().positive().optional(),
              params: z.number().positive().optional(),
              flops: z.number().positive().optional(),
            })
            .strict(),
          item: z.unknown(),
        })
        .strict(),
    ),
  })
  .strict();

/**
 * The set of non-dominated (accuracy ↑, latencyMs ↓, params ↓) points seen during a search, each with its item
 * (typically the architecture), as in MnasNet's accuracy/latency trade-off plots.
 *
 * Objective set: comparing only on the objectives two points share is not transitive, so instead every point must
 * have the same objectives. The tracked costs are given to the constructor or, if omitted, fixed by the first point
 * added (whichever of latencyMs/params it has); later points missing a tracked cost are rejected with a
 * ValidationError and untracked metrics (flops, or params when not tracked) are kept but ignored for dominance.
 *
 * Ties: a point equal to an entry on every tracked objective is rejected, so the incumbent stays. This keeps the
 * front deterministic and free of duplicates, and makes the sort in points() a total order.
 */
export class ParetoFront<T> {
  #costs: readonly ParetoCost[] | undefined;
  #entries: ParetoEntry<T>[] = [];

  constructor(costs?: readonly ParetoCost[]) {
    if (costs && new Set(costs).size !== costs.length) {
      throw new ValidationError('costs', 'must not repeat a value', PARETO_COSTS);
    }
    this.#costs = costs ? [...costs] : undefined;
  }

  /** Tracked cost objectives; undefined until inferred from the first point. */
  get costs(): readonly ParetoCost[] | undefined {
    return this.#costs;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Adds a point; returns whether it entered the front. Entries it dominates are dropped. */
  add(point: Metrics, item: T): boolean {
    const costs = this.#costs ?? PARETO_COSTS.filter((c) => point[c] !== undefined);
    const neededBy = `the Pareto front over accuracy${costs.map((c) => `, ${c}`).join('')}`;
    requireMetric(point, 'accuracy', neededBy);
    for (const c of costs) requireMetric(point, c, neededBy);
    // Fix the inferred objectives only once the point proved valid, so a bad first point cannot lock them in.
    this.#costs = costs;

    if (this.#entries.some((e) => this.#covers(e.point, point))) return false;
    this.#entries = this.#entries.filter((e) => !this.#covers(point, e.point));
    this.#entries.push({ point: Object.freeze({ ...point }), item });
    return true;
  }

  /** The front, by latency ascending, then accuracy descending, then params ascending (tracked objectives only). */
  points(): ParetoEntry<T>[] {
    const costs = this.#costs ?? [];
    const by = (c: ParetoCost) => (a: Metrics, b: Metrics) => (costs.includes(c) ? a[c]! - b[c]! : 0);
    const keys = [by('latencyMs'), (a: Metrics, b: Metrics) => b.accuracy - a.accuracy, by('params')];
    return [...this.#entries].sort((x, y) => {
      for (const key of keys) {
        const d = key(x.point, y.point);
        if (d !== 0) return d;
      }
      return 0;
    });
  }

  /** Checkpoint form; items are copied by reference, so they must be JSON-serialisable themselves. */
  toJSON(): ParetoFrontJson<T> {
    return {
      costs: this.#costs ? [...this.#costs] : null,
      entries: this.points().map((e) => ({ point: { ...e.point }, item: e.item })),
    };
  }

  /**
   * Restores a checkpoint written by toJSON. `parseItem` validates each item (by default it is trusted as T);
   * `field` prefixes error paths. A checkpoint whose entries do not form a front is rejected, not silently pruned.
   */
  static fromJSON<T>(json: unknown, parseItem: (value: unknown) => T = (v) => v as T, field = 'pareto'): ParetoFront<T> {
    const parsed = parseWith(checkpointSchema, json, field);
    const front = new ParetoFront<T>(parsed.costs ?? undefined);
    parsed.entries.forEach((e, i) => {
      try {
        front.add(e.point, parseItem(e.item));
      } catch (err) {
        // Re-root metric errors (metrics.latencyMs) under the checkpoint entry they came from.
        if (err instanceof ValidationError && err.field.startsWith('metrics.')) {
          throw new ValidationError(`${field}.entries.${i}.point${err.field.slice('metrics'.length)}`, err.problem);
        }
        throw err;
      }
    });
    if (front.size !== parsed.entries.length) {
      throw new ValidationError(`${field}.entries`, 'contains dominated or duplicate points');
    }
    return front;
  }

  /** True when `a` is at least as good as `b` on every tracked objective (dominates or equals it). */
  #covers(a: Metrics, b: Metrics): boolean {
    if (a.accuracy < b.accuracy) return false;
    return (this.#costs ?? []).every((c) => a[c]! <= b[c]!);
  }
}
