import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { NasmeshError } from '../util/errors.js';
import { parseWith } from '../util/schema.js';
import { type SearchSpec, searchSpecSchema } from './search-spec.js';

/** Parses and validates a search spec from YAML text; `source` names the document in errors. */
export function parseSearchSpec(text: string, source = 'search spec'): SearchSpec {
  let document: unknown;
  try {
    document = parse(text);
  } catch (e) {
    throw new NasmeshError(`${source}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  try {
    return parseWith(searchSpecSchema, document, '');
  } catch (e) {
    if (e instanceof Error) e.message = `${source}: ${e.message}`;
    throw e;
  }
}

export function loadSearchSpec(path: string): SearchSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new NasmeshError(`${path}: cannot read search spec (${(e as Error).message})`);
  }
  return parseSearchSpec(text, path);
}
