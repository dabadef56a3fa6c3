import { readFileSync } from 'node:fs';
import type { Architecture, SearchSpace } from '../space/types.js';
import { NasmeshError } from '../util/errors.js';

const DECIMAL = /^\d+(\.\d+)?([eE][-+]?\d+)?$/;

export class BenchmarkTableError extends NasmeshError {}

/**
 * A tabular NAS benchmark: CSV with header `arch,test_accuracy`, one row per architecture of the space in its
 * canonical string form. Looking an architecture up replaces training it.
 */
export class BenchmarkTable {
  readonly optimum: number;
  /** Accuracy an architecture needs to be in the table's top 0.1 %. */
  readonly top01Threshold: number;
  private readonly accuracy: Map<string, number>;

  constructor(
    readonly path: string,
    readonly space: SearchSpace,
    rows: Map<string, number>,
  ) {
    this.accuracy = rows;
    const sorted = [...rows.values()].sort((a, b) => b - a);
    this.optimum = sorted[0]!;
    this.top01Threshold = sorted[Math.max(1, Math.ceil(sorted.length * 0.001)) - 1]!;
  }

  get size(): number {
    return this.accuracy.size;
  }

  lookup(arch: Architecture): number {
    const value = this.accuracy.get(arch.join(','));
    if (value === undefined) {
      throw new BenchmarkTableError(`${this.path}: no row for architecture ${this.space.encode(arch)}`);
    }
    return value;
  }

  static load(path: string, space: SearchSpace): BenchmarkTable {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new BenchmarkTableError(`${path}: cannot read benchmark table (${(e as Error).message})`);
    }
    const lines = text.split(/\r?\n/);
    const header = lines[0]?.trim();
    if (header !== 'arch,test_accuracy') {
      throw new BenchmarkTableError(`${path}:1: header must be 'arch,test_accuracy', found '${header ?? ''}'`);
    }
    const rows = new Map<string, number>();
    lines.slice(1).forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${path}:${i + 2}`;
      const comma = line.lastIndexOf(',');
      if (comma < 0) throw new BenchmarkTableError(`${where}: row has no ',' between arch and test_accuracy (truncated?)`);
      const field = line.slice(comma + 1).trim();
      if (!DECIMAL.test(field)) {
        throw new BenchmarkTableError(`${where}: test_accuracy '${field}' is not a non-negative decimal number`);
      }
      const accuracy = Number(field);
      let arch: number[];
      try {
        arch = space.decode(line.slice(0, comma));
      } catch (e) {
        throw new BenchmarkTableError(`${where}: ${(e as Error).message}`);
      }
      const key = arch.join(',');
      if (rows.has(key)) throw new BenchmarkTableError(`${where}: architecture ${line.slice(0, comma)} appears twice`);
      rows.set(key, accuracy);
    });
    if (rows.size === 0) throw new BenchmarkTableError(`${path}: the table has no rows`);
    return new BenchmarkTable(path, space, rows);
  }
}
