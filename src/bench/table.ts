import type { Architecture, SearchSpace } from '../space/types.js';
import { NasmeshError } from '../util/errors.js';
import { FileReadError, readBoundedSync } from '../util/read-bounded.js';

/** Largest table file (64 MiB): NAS-Bench-201's is 1.3 MB, a NAS-Bench-101-sized one (423k rows) about 40 MB. */
export const MAX_TABLE_BYTES = 64 * 1024 ** 2;
/** Most rows of a table. */
export const MAX_TABLE_ROWS = 1_000_000;
/** Most value columns of a table. */
export const MAX_TABLE_COLUMNS = 64;
/** The column a table is read by when none is named: NAS-Bench-201's final test accuracy. */
export const DEFAULT_TABLE_COLUMN = 'test_accuracy';

const DECIMAL = /^\d+(\.\d+)?([eE][-+]?\d+)?$/;
const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

export class BenchmarkTableError extends NasmeshError {}

/**
 * A tabular NAS benchmark: CSV with header `arch,<column>[,<column>...]` (NAS-Bench-201's `arch,test_accuracy`), one
 * row per architecture of the space in its canonical string form, each column a non-negative number (an accuracy
 * after some epochs, on validation or test, a latency). Looking an architecture up replaces training it. A table a
 * search names may be any file, so errors name the file, line and column, never what the line holds.
 */
export class BenchmarkTable {
  /** Of the first column asked for (`lookup`'s). */
  readonly optimum: number;
  /** Value an architecture needs to be in the table's top 0.1 % by the first column asked for. */
  readonly top01Threshold: number;

  private constructor(
    readonly path: string,
    readonly space: SearchSpace,
    /** The value columns, in the file's order. */
    readonly columns: readonly string[],
    private readonly rows: Map<string, Float64Array>,
    private readonly primary: number,
  ) {
    const stats = this.columnStats(columns[primary]!);
    this.optimum = stats.optimum;
    this.top01Threshold = stats.top01Threshold;
  }

  get size(): number {
    return this.rows.size;
  }

  /** A column's best value and the value needed to be in its top 0.1 %. */
  columnStats(column: string): { optimum: number; top01Threshold: number } {
    const c = this.columnIndex(column);
    const sorted = [...this.rows.values()].map((r) => r[c]!).sort((a, b) => b - a);
    return { optimum: sorted[0]!, top01Threshold: sorted[Math.max(1, Math.ceil(sorted.length * 0.001)) - 1]! };
  }

  /** Every row: the architecture and its value in the first column asked for, in the table's order. */
  *entries(): IterableIterator<[Architecture, number]> {
    for (const [key, values] of this.rows) yield [key.split(',').map(Number), values[this.primary]!];
  }

  /** The architecture's value in the first column asked for (NAS-Bench-201: its test accuracy). */
  lookup(arch: Architecture): number {
    return this.row(arch)[this.primary]!;
  }

  /** The architecture's value in `column`. */
  value(arch: Architecture, column: string): number {
    return this.row(arch)[this.columnIndex(column)]!;
  }

  /** The architecture whose `column` is highest, the file's first on ties. */
  best(column: string): Architecture {
    const c = this.columnIndex(column);
    let best: [string, number] | undefined;
    for (const [key, values] of this.rows) if (!best || values[c]! > best[1]) best = [key, values[c]!];
    return best![0].split(',').map(Number);
  }

  private row(arch: Architecture): Float64Array {
    const values = this.rows.get(arch.join(','));
    if (values === undefined) throw new BenchmarkTableError(`${this.path}: no row for architecture ${this.space.encode(arch)}`);
    return values;
  }

  private columnIndex(column: string): number {
    const c = this.columns.indexOf(column);
    if (c < 0) throw new BenchmarkTableError(`${this.path}: no column '${column}'`);
    return c;
  }

  /**
   * Reads a table; `need` are the columns the caller reads (the first is `lookup`'s), each of which the header must
   * name. Every value column is checked, so a truncated or hand-edited file fails here, not mid-search.
   */
  static load(path: string, space: SearchSpace, need: readonly string[] = [DEFAULT_TABLE_COLUMN]): BenchmarkTable {
    let text: string;
    try {
      text = readBoundedSync(path, MAX_TABLE_BYTES).toString('utf8');
    } catch (e) {
      if (!(e instanceof FileReadError)) throw e;
      throw new BenchmarkTableError(`${path}: cannot read benchmark table (${e.problem})`);
    }
    const lines = text.split(/\r?\n/);
    const columns = parseHeader(path, lines[0] ?? '', need);
    const rows = new Map<string, Float64Array>();
    const firstLine = new Map<string, number>();
    lines.slice(1).forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${path}:${i + 2}`;
      if (rows.size >= MAX_TABLE_ROWS) throw new BenchmarkTableError(`${where}: more than ${MAX_TABLE_ROWS} rows`);
      // The architecture's own text may hold commas (enas-micro's does): the values are the last fields.
      const values = new Float64Array(columns.length);
      let end = line.length;
      for (let c = columns.length - 1; c >= 0; c--) {
        const comma = line.lastIndexOf(',', end - 1);
        if (comma < 0) throw new BenchmarkTableError(`${where}: row has no ',' before ${columns[c]} (truncated?)`);
        const field = line.slice(comma + 1, end).trim();
        const value = Number(field);
        if (!DECIMAL.test(field) || !Number.isFinite(value)) {
          throw new BenchmarkTableError(`${where}: ${columns[c]} is not a finite non-negative decimal number`);
        }
        values[c] = value;
        end = comma;
      }
      let arch: number[];
      try {
        arch = space.decode(line.slice(0, end));
      } catch {
        throw new BenchmarkTableError(`${where}: arch is not an architecture of the ${space.name} space in its string form`);
      }
      const key = arch.join(',');
      const first = firstLine.get(key);
      if (first !== undefined) throw new BenchmarkTableError(`${where}: the architecture of line ${first} appears again`);
      firstLine.set(key, i + 2);
      rows.set(key, values);
    });
    if (rows.size === 0) throw new BenchmarkTableError(`${path}: the table has no rows`);
    return new BenchmarkTable(path, space, columns, rows, columns.indexOf(need[0] ?? DEFAULT_TABLE_COLUMN));
  }
}

/** The header's value columns; each of `need` must be among them. Errors quote no part of the file. */
function parseHeader(path: string, header: string, need: readonly string[]): string[] {
  const fields = header.trim().split(',');
  const columns = fields.slice(1);
  const wanted = need.length > 0 ? [...new Set(need)] : [DEFAULT_TABLE_COLUMN];
  const expected = `the header must be 'arch,${wanted.join(',')}' or 'arch,' and columns that include ${wanted.join(', ')}`;
  if (fields[0] !== 'arch' || columns.length === 0) throw new BenchmarkTableError(`${path}:1: ${expected}`);
  if (columns.length > MAX_TABLE_COLUMNS) throw new BenchmarkTableError(`${path}:1: more than ${MAX_TABLE_COLUMNS} columns`);
  columns.forEach((c, i) => {
    if (!COLUMN_NAME.test(c))
      throw new BenchmarkTableError(
        `${path}:1: column ${i + 2}'s name must be a letter or '_', then letters, digits, '_', '.' or '-' (at most 64)`,
      );
    if (columns.indexOf(c) !== i)
      throw new BenchmarkTableError(`${path}:1: column ${i + 2} repeats the name of column ${columns.indexOf(c) + 2}`);
  });
  if (wanted.some((c) => !columns.includes(c))) throw new BenchmarkTableError(`${path}:1: ${expected}`);
  return columns;
}
