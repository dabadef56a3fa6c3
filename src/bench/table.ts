import type { Architecture, SearchSpace } from '../space/types.js';
import { NasmeshError } from '../util/errors.js';
import { FileReadError, readBoundedSync } from '../util/read-bounded.js';

/** Largest table file (64 MiB): NAS-Bench-201's is 1.3 MB, a NAS-Bench-101-sized one (423k rows) about 40 MB. */
export const MAX_TABLE_BYTES = 64 * 1024 ** 2;
/** Most rows of a table. */
export const MAX_TABLE_ROWS = 1_000_000;

const DECIMAL = /^\d+(\.\d+)?([eE][-+]?\d+)?$/;

export class BenchmarkTableError extends NasmeshError {}

/**
 * A tabular NAS benchmark: CSV with header `arch,test_accuracy`, one row per architecture of the space in its
 * canonical string form. Looking an architecture up replaces training it. A table a search names may be any file,
 * so errors name the file and line, never what the line holds.
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

  /** Every row: the architecture and its accuracy, in the table's order. */
  *entries(): IterableIterator<[Architecture, number]> {
    for (const [key, accuracy] of this.accuracy) yield [key.split(',').map(Number), accuracy];
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
      text = readBoundedSync(path, MAX_TABLE_BYTES).toString('utf8');
    } catch (e) {
      if (!(e instanceof FileReadError)) throw e;
      throw new BenchmarkTableError(`${path}: cannot read benchmark table (${e.problem})`);
    }
    const lines = text.split(/\r?\n/);
    if (lines[0]?.trim() !== 'arch,test_accuracy') {
      throw new BenchmarkTableError(`${path}:1: the header must be 'arch,test_accuracy'`);
    }
    const rows = new Map<string, number>();
    const firstLine = new Map<string, number>();
    lines.slice(1).forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${path}:${i + 2}`;
      if (rows.size >= MAX_TABLE_ROWS) throw new BenchmarkTableError(`${where}: more than ${MAX_TABLE_ROWS} rows`);
      const comma = line.lastIndexOf(',');
      if (comma < 0) throw new BenchmarkTableError(`${where}: row has no ',' between arch and test_accuracy (truncated?)`);
      const field = line.slice(comma + 1).trim();
      const accuracy = Number(field);
      if (!DECIMAL.test(field) || !Number.isFinite(accuracy)) {
        throw new BenchmarkTableError(`${where}: test_accuracy is not a finite non-negative decimal number`);
      }
      let arch: number[];
      try {
        arch = space.decode(line.slice(0, comma));
      } catch {
        throw new BenchmarkTableError(`${where}: arch is not an architecture of the ${space.name} space in its string form`);
      }
      const key = arch.join(',');
      const first = firstLine.get(key);
      if (first !== undefined) throw new BenchmarkTableError(`${where}: the architecture of line ${first} appears again`);
      firstLine.set(key, i + 2);
      rows.set(key, accuracy);
    });
    if (rows.size === 0) throw new BenchmarkTableError(`${path}: the table has no rows`);
    return new BenchmarkTable(path, space, rows);
  }
}
