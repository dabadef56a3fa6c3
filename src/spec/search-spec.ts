import { z } from 'zod';
import { STRATEGY_OPTIONS } from '../controller/registry.js';
import { STRATEGY_NAMES } from '../controller/types.js';
import { datasetSpecSchema } from '../data/spec.js';
import { rewardSpecSchema } from '../reward/spec.js';
import { spaceConfigSchema } from '../space/registry.js';
import { BACKEND_CHOICES } from '../tf/backend.js';
import { checkLabels, checkSpecBounds } from './bounds.js';
import { dnsLabel } from './kubernetes-names.js';
import { workersSpecSchema } from './workers-spec.js';

/** `spec.strategy`: a strategy name plus that strategy's own options, checked against its schema. */
const strategySpecSchema = z
  .object({ name: z.enum(STRATEGY_NAMES) })
  .catchall(z.unknown())
  .superRefine(({ name, ...options }, ctx) => {
    const result = STRATEGY_OPTIONS[name].safeParse(options);
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue, code: 'custom' });
  });

const positiveInt = z.number().int().positive();

/**
 * Candidates the strategy proposes at once, all evaluated before it observes any of them (Zoph & Le's m child
 * networks per controller step). Part of the search's definition: the same seed gives the same search on any
 * machine and with any number of evaluators.
 */
const candidatesPerStep = (byDefault: number) => positiveInt.default(byDefault);

/** `spec.evaluation`: how a candidate's reward is obtained. */
const evaluationSpecSchema = z.discriminatedUnion('mode', [
  /** ENAS: one supernet holds every op's weights; a candidate is scored with them on a validation minibatch. */
  z
    .object({
      mode: z.literal('weight-sharing'),
      epochs: positiveInt.default(10),
      sharedStepsPerEpoch: positiveInt.default(100),
      controllerStepsPerEpoch: positiveInt.default(10),
      /**
       * The first epochs whose shared-weight steps draw architectures uniformly instead of from the policy (the
       * controller still proposes, is scored and learns). All of them trains the supernet as one-shot methods do,
       * apart from the controller, which then no longer steers the weights towards the cells it already favours.
       */
      uniformEpochs: z.number().int().min(0).default(0),
      batchSize: positiveInt.default(64),
      /** Derive: fresh samples from the final policy re-scored, with the search's 10 best, before the final stage. */
      deriveSamples: z.number().int().min(0).default(10),
      /** Derive: validation images each finalist is re-scored on. */
      deriveImages: positiveInt.default(1000),
    })
    .strict(),
  /** NASNet-style proxy: each candidate trains from scratch for a few epochs on a subset. */
  z
    .object({
      mode: z.literal('standalone'),
      epochs: positiveInt.default(2),
      trainSubset: positiveInt.optional(),
      batchSize: positiveInt.default(64),
      learningRate: z.number().positive().default(0.001),
      /** Learning rate over the short training: constant, or decayed to zero by a cosine schedule (as the final stage's). */
      schedule: z.enum(['constant', 'cosine']).default('constant'),
      candidatesPerStep: candidatesPerStep(2),
      /**
       * Candidates trained at once, each in its own worker thread (at most candidatesPerStep); default: one per core.
       * Changes the speed only, never the results.
       */
      workers: positiveInt.optional(),
    })
    .strict(),
  /** A tabular benchmark replaces training: the reward is a table look-up. */
  z
    .object({
      mode: z.literal('benchmark'),
      table: z.string().min(1),
      candidatesPerStep: candidatesPerStep(1),
      /**
       * The network the table's accuracies were measured on, whose parameters and multiply-adds each candidate
       * records. Default for nb201: NAS-Bench-201's CIFAR-10 network (32x32x3, 10 classes, 16 channels, 5 cells per
       * stage, 3 stages); other spaces record none without it.
       */
      tableNetwork: z
        .object({
          inputShape: z.array(positiveInt).length(3).describe('[height, width, channels]'),
          classes: positiveInt,
          channels: positiveInt,
          cellsPerStage: positiveInt,
          stages: positiveInt,
        })
        .strict()
        .optional(),
    })
    .strict(),
]);

/** The network a candidate is placed in (NASNet-style: a found cell transfers to a wider, deeper one). */
const networkSpecSchema = z
  .object({
    channels: positiveInt.default(16),
    cellsPerStage: positiveInt.default(1),
    stages: positiveInt.default(3),
    /** Stride of the stem conv: 2 quarters the cost of every cell (28x28 inputs become 14x14). */
    stemStride: z.union([z.literal(1), z.literal(2)]).optional(),
  })
  .strict();

const finalSpecSchema = z
  .object({
    /** Retrain this many of the best candidates from scratch (with finalists: the best of their short trainings). */
    topK: positiveInt.default(1),
    /**
     * The search's best this many get a short standalone training (finalistTraining), and the topK retrained are the
     * best of them by its validation accuracy. Weight sharing (default 4): the derive step's best; at small budgets
     * the shared weights favour parameter-free cells that do not train best on their own, and the short training is
     * the better predictor. Standalone (default none): the best by the search's own reward, re-scored by a longer
     * training than the search could afford for every candidate. At least topK; benchmark mode ignores it.
     */
    finalists: positiveInt.optional(),
    /**
     * Each finalist's short training from scratch (the standalone evaluator's: Adam, validation accuracy), on
     * `trainSubset` images per epoch (all by default) with the final training's cosine schedule.
     */
    finalistTraining: z
      .object({
        epochs: positiveInt.default(1),
        trainSubset: positiveInt.optional(),
        batchSize: positiveInt.default(64),
        learningRate: z.number().positive().default(0.003),
      })
      .strict()
      .default({ epochs: 1, batchSize: 64, learningRate: 0.003 }),
    epochs: positiveInt.default(10),
    batchSize: positiveInt.default(64),
    /** Initial Adam learning rate; a cosine schedule decays it to zero over the epochs. */
    learningRate: z.number().positive().default(0.003),
    /**
     * Worker threads training each retrained candidate data-parallel (each batch split into this many shards).
     * A spec value, not the core count, because batch norm sees each shard's statistics: it is part of the result.
     */
    replicas: positiveInt.default(2),
    network: networkSpecSchema.optional(),
    /**
     * A hand-designed network trained in the same harness (the retraining's epochs, schedule, replicas and seed), its
     * width scaled to the retrained best's parameter count within ±15 %, so that the comparison is of architecture,
     * not of size; the final stage fails, saying why, where no width comes that close.
     */
    baseline: z.enum(['resnet-small']).optional(),
  })
  .strict();

/**
 * A `NASSearch`: the document a user runs embedded (`nasmesh run search.yaml`) or `kubectl apply`s. Every section
 * reuses the schema of the module that owns it, so the spec cannot drift from what the engine accepts.
 */
export const searchSpecSchema = z
  .object({
    apiVersion: z.literal('nasmesh.io/v1alpha1'),
    kind: z.literal('NASSearch'),
    metadata: z
      .object({ name: dnsLabel, namespace: dnsLabel.optional(), labels: z.record(z.string(), z.string()).optional() })
      .strict()
      .superRefine((metadata, ctx) => checkLabels(metadata.labels, ctx)),
    spec: z
      .object({
        seed: z.number().int().min(0).default(0),
        /** TensorFlow.js backend; `auto` prefers tfjs-node-gpu, tfjs-node, then wasm, then cpu. */
        backend: z.enum(BACKEND_CHOICES).default('auto'),
        dataset: datasetSpecSchema.optional(),
        space: spaceConfigSchema,
        strategy: strategySpecSchema,
        evaluation: evaluationSpecSchema,
        reward: rewardSpecSchema.default({ objective: 'accuracy' }),
        budget: z.object({ candidates: positiveInt, maxDurationSeconds: z.number().positive().optional() }).strict(),
        network: networkSpecSchema.default({ channels: 16, cellsPerStage: 1, stages: 3 }),
        final: finalSpecSchema.optional(),
        /** Cluster only: the pods the operator runs this search in; `nasmesh run` ignores it. */
        workers: workersSpecSchema.optional(),
      })
      .strict()
      .superRefine((spec, ctx) => {
        checkSpecBounds(spec, ctx);
        if (spec.evaluation.mode !== 'benchmark' && spec.dataset === undefined) {
          ctx.addIssue({ code: 'custom', path: ['dataset'], message: `required for evaluation mode ${spec.evaluation.mode}` });
        } else if (spec.reward.objective === 'mnas' && spec.dataset === undefined) {
          // Latency is measured on the candidate's network, whose input shape and classes come from the dataset.
          ctx.addIssue({ code: 'custom', path: ['dataset'], message: 'required for reward objective mnas (latency is measured for its input)' });
        }
        const finalists = spec.final && finalistCount(spec);
        if (spec.final && finalists && finalists < spec.final.topK) {
          const message = `must be at least final.topK (${spec.final.topK}): the topK retrained are picked among the finalists`;
          ctx.addIssue({ code: 'custom', path: ['final', 'finalists'], message });
        }
        if (spec.evaluation.mode === 'weight-sharing') {
          // One candidate per controller step: the budget is the schedule's, stated twice so neither surprises.
          const { epochs, controllerStepsPerEpoch, uniformEpochs } = spec.evaluation;
          if (uniformEpochs > epochs) {
            ctx.addIssue({ code: 'custom', path: ['evaluation', 'uniformEpochs'], message: `must be at most evaluation.epochs (${epochs})` });
          }
          if (spec.budget.candidates !== epochs * controllerStepsPerEpoch) {
            const message = `must be evaluation.epochs × evaluation.controllerStepsPerEpoch = ${epochs * controllerStepsPerEpoch} for weight-sharing (one candidate per controller step)`;
            ctx.addIssue({ code: 'custom', path: ['budget', 'candidates'], message });
          }
        }
      }),
  })
  .strict();

/** Weight sharing's finalists when `final.finalists` is not given. */
export const DEFAULT_WEIGHT_SHARING_FINALISTS = 4;

/**
 * How many of the search's best the final stage short-trains before it picks what it retrains: `final.finalists`,
 * by default 4 for weight sharing and none for standalone; none in benchmark mode.
 */
export function finalistCount(spec: { evaluation: { mode: string }; final?: { finalists?: number } }): number {
  if (spec.evaluation.mode === 'weight-sharing') return spec.final?.finalists ?? DEFAULT_WEIGHT_SHARING_FINALISTS;
  if (spec.evaluation.mode === 'standalone') return spec.final?.finalists ?? 0;
  return 0;
}

export type SearchSpecInput = z.input<typeof searchSpecSchema>;
export type SearchSpec = z.output<typeof searchSpecSchema>;
