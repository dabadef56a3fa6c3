import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { createSpace, spaceConfigSchema } from '../space/registry.js';
import { NasmeshError } from '../util/errors.js';
import { parseWith } from '../util/schema.js';
import type { ReportData, ReportFinal } from './types.js';

// Only the fields the report shows are checked, so results written by older or newer versions still load.
const searchSchema = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    seed: z.number(),
    space: spaceConfigSchema,
    strategy: z.object({ name: z.string() }),
    evaluation: z.object({ mode: z.string() }),
    reward: z.object({ objective: z.string() }),
  }),
});
const candidateSchema = z.object({
  index: z.number().int().min(0),
  architecture: z.object({ arch: z.string() }),
  reward: z.number(),
  accuracy: z.number(),
  params: z.number(),
  flops: z.number(),
  latencyMs: z.number().optional(),
  diverged: z.string().optional(),
});
const finalSchema = z.object({
  architecture: z.union([z.object({ arch: z.string() }), z.object({ baseline: z.string() })]),
  testAccuracy: z.number(),
  params: z.number(),
  flops: z.number(),
  epochs: z.number(),
});
const summarySchema = z.object({
  durationSeconds: z.number(),
  best: finalSchema.nullable(),
  baseline: finalSchema.optional(),
});
const statsSchema = z.object({
  observed: z.number().int().min(0),
  entropy: z.number().optional(),
  baseline: z.number().optional(),
  epsilon: z.number().optional(),
});

/**
 * Reads a results directory written by `nasmesh run`: search.json and candidates.jsonl are required; summary.json
 * (written when the search finishes) and controller.jsonl (the strategy's stats after each observe) are optional.
 */
export function loadResults(dir: string): ReportData {
  const search = parseWith(searchSchema, readJson(join(dir, 'search.json')), 'search.json');
  const spec = search.spec;
  const candidates = readJsonLines(join(dir, 'candidates.jsonl')).map((line, i) => {
    const c = parseWith(candidateSchema, line, `candidates.jsonl:${i + 1}`);
    const { architecture, ...rest } = c;
    return { ...rest, arch: architecture.arch };
  });
  const summaryPath = join(dir, 'summary.json');
  const summary = existsSync(summaryPath) ? parseWith(summarySchema, readJson(summaryPath), 'summary.json') : null;
  const controllerPath = join(dir, 'controller.jsonl');
  const controller = existsSync(controllerPath)
    ? readJsonLines(controllerPath).map((line, i) => parseWith(statsSchema, line, `controller.jsonl:${i + 1}`))
    : null;
  return {
    search: {
      name: search.metadata.name,
      space: spec.space.name,
      strategy: spec.strategy.name,
      evaluation: spec.evaluation.mode,
      objective: spec.reward.objective,
      seed: spec.seed,
      maxEntropy: Math.log(Number(createSpace(spec.space).count())),
    },
    candidates: candidates.sort((a, b) => a.index - b.index),
    summary: summary && {
      durationSeconds: summary.durationSeconds,
      best: summary.best && final(summary.best),
      ...(summary.baseline ? { baseline: final(summary.baseline) } : {}),
    },
    controller,
  };
}

function final(r: z.output<typeof finalSchema>): ReportFinal {
  const name = 'arch' in r.architecture ? r.architecture.arch : r.architecture.baseline;
  return { name, testAccuracy: r.testAccuracy, params: r.params, flops: r.flops, epochs: r.epochs };
}

function readJson(path: string): unknown {
  return parseJson(read(path), path);
}

function readJsonLines(path: string): unknown[] {
  return read(path)
    .split('\n')
    .flatMap((line, i) => (line.trim() === '' ? [] : [parseJson(line, `${path}:${i + 1}`)]));
}

function read(path: string): string {
  if (!existsSync(path)) throw new NasmeshError(`${path}: not found (is this a results directory of nasmesh run?)`);
  return readFileSync(path, 'utf8');
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new NasmeshError(`${where}: not JSON (${(e as Error).message})`);
  }
}
