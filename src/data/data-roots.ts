import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import { NasmeshError, ValidationError } from '../util/errors.js';

/** Longest path a search document may name. */
export const MAX_DATA_PATH_LENGTH = 4096;

/** A registered benchmark table name: what `spec.evaluation.table` may say instead of a path. */
const TABLE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** One directory the files a search names may be read from, by the spelling it was configured with and its real path. */
interface DataRoot {
  readonly dir: string;
  readonly real: string;
}

/**
 * Where a service may read the files a search document names (a document comes from the network): inside these
 * directories, or the benchmark tables registered by name. Plain data, so it travels to worker threads.
 */
export interface DataRoots {
  readonly roots: readonly DataRoot[];
  /** Registered benchmark tables: name -> path (configured by the operator of the service, so trusted). */
  readonly tables: Readonly<Record<string, string>>;
}

/** Refused configuration of data roots (a service's own flags, not a document). */
export class DataRootsError extends NasmeshError {}

/** The data roots of `dirs` (each an existing directory, never the file system's root) and the tables registered. */
export async function openDataRoots(dirs: readonly string[], tables: Readonly<Record<string, string>> = {}): Promise<DataRoots> {
  const roots: DataRoot[] = [];
  for (const d of dirs) {
    const dir = resolve(d);
    const real = await realpath(dir).catch(() => {
      throw new DataRootsError(`data root ${d} does not exist`);
    });
    if (!(await stat(real)).isDirectory()) throw new DataRootsError(`data root ${d} is not a directory`);
    if (parse(real).root === real)
      throw new DataRootsError(`data root ${d} is the file system's root: it would let a search read every file`);
    roots.push({ dir, real });
  }
  for (const name of Object.keys(tables)) {
    if (!TABLE_NAME.test(name))
      throw new DataRootsError(`benchmark table name '${name}' must be lower-case letters, digits, '.', '_' or '-'`);
  }
  return { roots, tables: { ...tables } };
}

/**
 * Checks what can be checked of a path without a file system: not empty, not too long, no control character and no
 * `..` segment (a path never needs one, and it is how a document would climb out of a data root).
 */
export function assertDataPath(path: string, field: string): void {
  if (path.length === 0) throw new ValidationError(field, 'must not be empty');
  if (path.length > MAX_DATA_PATH_LENGTH) throw new ValidationError(field, `is longer than ${MAX_DATA_PATH_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  if (/[\u0000-\u001f\u007f]/.test(path)) throw new ValidationError(field, 'must not contain control characters');
  if (path.split(/[\\/]/).includes('..')) throw new ValidationError(field, "must not contain a '..' segment");
}

/**
 * The real path of the file or directory `path` (named by the document's `field`) inside the data roots. A relative
 * path is looked for in each root in turn; an absolute one must lie inside a root as written; and wherever it
 * points through symbolic links must still be inside that root. Every refusal is a ValidationError naming `field`;
 * whether a path outside the roots exists is never told.
 */
export async function resolveDataPath(path: string, data: DataRoots, field: string): Promise<string> {
  assertDataPath(path, field);
  if (data.roots.length === 0) {
    throw new ValidationError(
      field,
      'this service reads no files a search names (it has no data roots): use a built-in dataset or a registered table',
    );
  }
  const where = data.roots.map((r) => r.dir).join(', ');
  const escapes = (root: DataRoot) => new ValidationError(field, `'${path}' leaves the data root ${root.dir} through a symbolic link`);
  if (isAbsolute(path)) {
    const target = resolve(path);
    const root = data.roots.find((r) => inside(r.dir, target) || inside(r.real, target));
    if (!root) throw new ValidationError(field, `'${path}' is outside the data roots (${where})`);
    const real = await realpath(target).catch(() => undefined);
    if (real === undefined) throw new ValidationError(field, `no '${path}' in the data root ${root.dir}`);
    if (!inside(root.real, real)) throw escapes(root);
    return real;
  }
  for (const root of data.roots) {
    const real = await realpath(join(root.real, path)).catch(() => undefined);
    if (real === undefined) continue;
    if (!inside(root.real, real)) throw escapes(root);
    return real;
  }
  throw new ValidationError(field, `no '${path}' in the data roots (${where})`);
}

/** A benchmark table: one registered under `nameOrPath`, else the file at that path in the data roots. */
export function resolveTable(nameOrPath: string, data: DataRoots, field: string): Promise<string> {
  const registered = Object.hasOwn(data.tables, nameOrPath) ? data.tables[nameOrPath] : undefined;
  return registered !== undefined ? Promise.resolve(registered) : resolveDataPath(nameOrPath, data, field);
}

/**
 * The real path of `file` (listed in the real directory `dir`), or undefined when it is a symbolic link out of `dir`:
 * the files of a dataset folder are read from inside it only.
 */
export async function realWithin(file: string, dir: string): Promise<string | undefined> {
  const real = await realpath(file).catch(() => file);
  return inside(dir, real) ? real : undefined;
}

function inside(dir: string, target: string): boolean {
  const rel = relative(dir, target);
  return !isAbsolute(rel) && rel.split(sep)[0] !== '..';
}
