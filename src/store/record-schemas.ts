import { z } from 'zod';
import { STRATEGY_NAMES } from '../strategy/types.js';
import type { CandidateRecord } from '../search/types.js';
import { SPACE_NAMES } from '../space/types.js';
import { searchSpecSchema } from '../spec/search-spec.js';
import { ValidationError } from '../util/errors.js';
import { parseWith } from '../util/schema.js';
import { StoreReadError } from './errors.js';
import { SEARCH_PHASES, type StoredCheckpoint, type StoredSearch } from './types.js';

/**
 * What a store hands back is checked against these on every read: the stored bytes outlive the process that wrote
 * them (another version, a hand edit, a disk fault), and a record that does not fit fails its own search with an
 * error naming the field, instead of a TypeError deep inside whatever used it.
 */

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time');

export const storedSearchSchema = z
  .object({
    id: z.string().min(1),
    // The spec is checked as the controller checked it when the search was created.
    spec: searchSpecSchema,
    phase: z.enum(SEARCH_PHASES),
    message: z.string().optional(),
    createdAt: isoTime,
    updatedAt: isoTime,
    supernetTrainer: z.string().optional(),
  })
  .strict();

export const candidateRecordSchema = z
  .object({
    index: z.number().int().min(0),
    architecture: z.object({ space: z.enum(SPACE_NAMES), arch: z.string(), decisions: z.record(z.string(), z.string()) }).strict(),
    hash: z.string(),
    reward: z.number(),
    accuracy: z.number(),
    params: z.number(),
    flops: z.number(),
    seconds: z.number(),
    diverged: z.string().optional(),
    latencyMs: z.number().optional(),
  })
  .strict();

/** The envelope; each strategy checks its own part when it restores it (src/strategy/checkpoint-schema.ts). */
export const storedCheckpointSchema = z
  .object({
    observed: z.number().int().min(0),
    strategy: z.looseObject({ strategy: z.enum(STRATEGY_NAMES) }),
    extra: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** Which record of which search, for errors: `search foo: its checkpoint`. */
export interface RecordName {
  readonly search: string;
  readonly record: string;
}

/** Parses stored JSON text and checks it against `schema`; StoreReadError naming the search, record and field. */
export function parseStored<T extends z.ZodType>(schema: T, text: string, name: RecordName): z.output<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The parser's message quotes the text; the record is named instead.
    throw new StoreReadError(name, 'is not JSON');
  }
  try {
    return parseWith(schema, value, '');
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw new StoreReadError(name, e.message);
  }
}

export const parseStoredSearch = (text: string, id: string): StoredSearch =>
  parseStored(storedSearchSchema, text, { search: id, record: 'search record' });

export const parseStoredCandidate = (text: string, id: string, index: string | number): CandidateRecord =>
  parseStored(candidateRecordSchema, text, { search: id, record: `candidate ${index}` });

export const parseStoredCheckpoint = (text: string, id: string): StoredCheckpoint =>
  parseStored(storedCheckpointSchema, text, { search: id, record: 'checkpoint' }) as StoredCheckpoint;
