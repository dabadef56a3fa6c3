import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { EnasMicroSpace } from '../space/enas-micro.js';
import { createSpace, spaceConfigSchema } from '../space/registry.js';
import { BACKENDS } from '../tf/backend.js';
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
  architecture: z.union([z.object({ arch: z.string() }), z.object({ baseline: z.string(), channels: z.array(z.number()).optional() })]),
  testAccuracy: z.number(),
  validationAccuracy: z.number().optional(),
  params: z.number(),
  flops: z.number(),
  epochs: z.number(),
});
const finalistSchema = z.object({
  architecture: z.object({ arch: z.string() }),
  deriveReward: z.number(),
  shortTrainingAccuracy: z.number(),
  params: z.number(),
  retrained: z.object({ testAccuracy: z.number() }).optional(),
});
const tau = z.number().nullable().optional();
const machineSchema = z.object({
  backend: z.enum(BACKENDS),
  backendPackage: z.string().optional(),
  gpu: z.boolean().optional(),
  intraOpThreads: z.number().optional(),
  cpu: z.string(),
  cpuModelId: z.string().optional(),
  cpuExtensions: z.array(z.string()).optional(),
  cores: z.number(),
  platform: z.string(),
  node: z.string(),
});
const summarySchema = z.object({
  durationSeconds: z.number(),
  machine: machineSchema.optional(),
  best: finalSchema.nullable(),
  baseline: finalSchema.optional(),
  finalists: z.array(finalistSchema).optional(),
  kendallTau: z.object({ deriveVsShortTraining: tau, deriveVsRetrained: tau, shortTrainingVsRetrained: tau }).optional(),
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
  const space = createSpace(spec.space);
  // The cell drawn: the final stage's pick where there is one, else the best-rewarded candidate (the earliest on ties).
  const retrained = summary?.best && 'arch' in summary.best.architecture ? summary.best.architecture.arch : undefined;
  const found =
    retrained ?? candidates.reduce<(typeof candidates)[number] | undefined>((a, c) => (a && a.reward >= c.reward ? a : c), undefined)?.arch;
  return {
    search: {
      name: search.metadata.name,
      space: spec.space.name,
      strategy: spec.strategy.name,
      evaluation: spec.evaluation.mode,
      objective: spec.reward.objective,
      seed: spec.seed,
      maxEntropy: Math.log(Number(space.count())),
    },
    candidates: candidates.sort((a, b) => a.index - b.index),
    summary: summary && {
      durationSeconds: summary.durationSeconds,
      ...(summary.machine && { machine: summary.machine }),
      best: summary.best && final(summary.best),
      ...(summary.baseline ? { baseline: final(summary.baseline) } : {}),
      ...(summary.finalists && {
        finalists: summary.finalists.map((f) => ({
          arch: f.architecture.arch,
          deriveReward: f.deriveReward,
          shortTrainingAccuracy: f.shortTrainingAccuracy,
          params: f.params,
          ...(f.retrained && { retrainedTestAccuracy: f.retrained.testAccuracy }),
        })),
      }),
      ...(summary.kendallTau && { kendallTau: summary.kendallTau }),
    },
    cells:
      space instanceof EnasMicroSpace && found !== undefined
        ? { arch: found, retrained: retrained !== undefined, ...space.cells(space.decode(found)) }
        : null,
    controller,
  };
}

function final(r: z.output<typeof finalSchema>): ReportFinal {
  const a = r.architecture;
  return {
    name: 'arch' in a ? a.arch : a.baseline,
    testAccuracy: r.testAccuracy,
    ...(r.validationAccuracy !== undefined && { validationAccuracy: r.validationAccuracy }),
    params: r.params,
    flops: r.flops,
    epochs: r.epochs,
    ...('channels' in a && a.channels && { channels: a.channels }),
  };
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
