import { z } from 'zod';
import { STRATEGY_OPTIONS } from '../strategy/registry.js';
import { STRATEGY_NAMES } from '../strategy/types.js';
import { datasetSpecSchema } from '../data/spec.js';
import { rewardSpecSchema } from '../reward/spec.js';
import { spaceConfigSchema } from '../space/registry.js';
import { BACKEND_CHOICES } from '../tf/backend.js';
import { checkLabels, checkSpecBounds } from './bounds.js';
import { dnsLabel } from './kubernetes-names.js';
import { workersSpecSchema } from './workers-spec.js';

/** `spec.strategy`: a strategy name plus that strategy's own options, checked against its schema. */
const strategySpecSchema = z
  .object({
    name: z
      .enum(STRATEGY_NAMES)
      .describe(
        'The search strategy: an RL controller (reinforce, ppo, qlearning) or a yardstick (random, evolution, and nsga2: multi-objective evolution over accuracy and latency).',
      ),
  })
  .catchall(z.unknown())
  .superRefine(({ name, ...options }, ctx) => {
    const result = STRATEGY_OPTIONS[name].safeParse(options);
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue, code: 'custom' });
  });

const positiveInt = z.number().int().positive();

/** Candidates per controller step (Zoph & Le's m child networks per step); part of the search's definition. */
const candidatesPerStep = (byDefault: number) =>
  positiveInt
    .default(byDefault)
    .describe(
      'Candidates the strategy proposes at once, all evaluated before it observes any of them; the same seed gives the same search with any number of evaluators.',
    );

/** `spec.evaluation`: how a candidate's reward is obtained. */
const evaluationSpecSchema = z
  .discriminatedUnion('mode', [
    /** ENAS: one supernet holds every op's weights; a candidate is scored with them on a validation minibatch. */
    z
      .object({
        mode: z.literal('weight-sharing').describe('weight-sharing, standalone or benchmark.'),
        epochs: positiveInt
          .default(10)
          .describe('Supernet epochs; each trains the shared weights, then the controller proposes and learns.'),
        sharedStepsPerEpoch: positiveInt.default(100).describe('Shared-weight training steps (minibatches) per epoch.'),
        controllerStepsPerEpoch: positiveInt
          .default(10)
          .describe('Candidates the controller proposes and is scored on per epoch, one per policy update.'),
        uniformEpochs: z
          .number()
          .int()
          .min(0)
          .default(0)
          .describe(
            'The first epochs whose shared-weight steps draw architectures uniformly instead of from the policy (the controller still proposes and learns). All of them trains the supernet apart from the controller, as one-shot methods do.',
          ),
        batchSize: positiveInt.default(64).describe('Images per shared-weight step and per candidate score.'),
        deriveSamples: z
          .number()
          .int()
          .min(0)
          .default(10)
          .describe("ENAS's derive step: fresh samples from the final policy re-scored, with the search's 10 best."),
        deriveImages: positiveInt.default(1000).describe("ENAS's derive step: validation images each candidate is re-scored on."),
      })
      .strict(),
    /** NASNet-style proxy: each candidate trains from scratch for a few epochs on a subset. */
    z
      .object({
        mode: z.literal('standalone').describe('weight-sharing, standalone or benchmark.'),
        epochs: positiveInt.default(2).describe("Epochs of each candidate's short training from scratch."),
        trainSubset: positiveInt.optional().describe('Training images per epoch (all by default).'),
        batchSize: positiveInt.default(64).describe('Minibatch size of the short training.'),
        learningRate: z.number().positive().default(0.001).describe("Adam's learning rate for the short training."),
        schedule: z
          .enum(['constant', 'cosine'])
          .default('constant')
          .describe("The learning rate over the short training: constant, or decayed to zero by a cosine schedule (as the final stage's)."),
        candidatesPerStep: candidatesPerStep(2),
        workers: positiveInt
          .optional()
          .describe(
            'Candidates trained at once, each in its own worker thread (at most candidatesPerStep); default one per core. Changes the speed only, never the results.',
          ),
      })
      .strict(),
    /** A tabular benchmark replaces training: the reward is a table look-up. */
    z
      .object({
        mode: z.literal('benchmark').describe('weight-sharing, standalone or benchmark.'),
        table: z
          .string()
          .min(1)
          .describe(
            "The benchmark table, a CSV 'arch,test_accuracy' (NAS-Bench-201's: bench/tables/nb201-cifar10.csv), relative to the data root.",
          ),
        candidatesPerStep: candidatesPerStep(1),
        tableNetwork: z
          .object({
            inputShape: z.array(positiveInt).length(3).describe('[height, width, channels]'),
            classes: positiveInt.describe('Classes of its classifier.'),
            channels: positiveInt.describe("Channels of its first stage's cells."),
            cellsPerStage: positiveInt.describe('Cells per stage.'),
            stages: positiveInt.describe('Stages.'),
          })
          .strict()
          .optional()
          .describe(
            "The network the table's accuracies were measured on, whose parameters and multiply-adds each candidate records. Default for nb201: NAS-Bench-201's CIFAR-10 network; other spaces record none without it.",
          ),
      })
      .strict(),
  ])
  .describe(
    "How a candidate's reward is obtained: weight-sharing (ENAS: scored with a supernet's shared weights), standalone (NASNet: each trained briefly from scratch) or benchmark (a table look-up).",
  );

/** The network a candidate is placed in (NASNet-style: a found cell transfers to a wider, deeper one). */
const networkSpecSchema = z
  .object({
    channels: positiveInt.default(16).describe("Channels of the first stage's cells; each reduction doubles them."),
    cellsPerStage: positiveInt.default(1).describe('Normal cells per stage.'),
    stages: positiveInt.default(3).describe('Stages, with a reduction cell between consecutive ones.'),
    stemStride: z
      .union([z.literal(1), z.literal(2)])
      .optional()
      .describe('Stride of the stem convolution: 2 quarters the cost of every cell (28x28 inputs become 14x14). Default 1.'),
  })
  .strict()
  .describe('The network a candidate is placed in.');

const finalSpecSchema = z
  .object({
    topK: positiveInt
      .default(1)
      .describe(
        'Retrain this many of the best candidates from scratch (with finalists: the best of their short trainings); the best by validation accuracy is exported.',
      ),
    finalists: positiveInt
      .optional()
      .describe(
        "The search's best this many get a short standalone training (finalistTraining), and the topK retrained are the best of them by its validation accuracy. Weight sharing (default 4): the derive step's best, since at small budgets the shared weights favour parameter-free cells that do not train best on their own. Standalone (default none): the best by the search's own reward, re-scored by a longer training. At least topK; benchmark mode ignores it.",
      ),
    finalistTraining: z
      .object({
        epochs: positiveInt.default(1).describe("Epochs of each finalist's short training."),
        trainSubset: positiveInt.optional().describe('Training images per epoch (all by default).'),
        batchSize: positiveInt.default(64).describe('Minibatch size.'),
        learningRate: z
          .number()
          .positive()
          .default(0.003)
          .describe("Adam's initial learning rate, decayed by the final training's cosine schedule."),
      })
      .strict()
      .default({ epochs: 1, batchSize: 64, learningRate: 0.003 })
      .describe("Each finalist's short training from scratch in the network it would be retrained in (validation accuracy)."),
    epochs: positiveInt.default(10).describe('Epochs of the retraining (and of the baseline).'),
    batchSize: positiveInt.default(64).describe('Minibatch size of the retraining (and of the baseline).'),
    learningRate: z
      .number()
      .positive()
      .default(0.003)
      .describe("Adam's initial learning rate; a cosine schedule decays it to zero over the epochs."),
    replicas: positiveInt
      .default(2)
      .describe(
        "Worker threads training each retrained network data-parallel (each batch split into this many shards). Part of the result, not only its speed: batch norm sees each shard's statistics.",
      ),
    network: networkSpecSchema
      .optional()
      .describe(
        'The network the finalists and the retraining use (default spec.network): NASNet-style, a found cell transfers to a wider or deeper one.',
      ),
    baseline: z
      .enum(['resnet-small'])
      .optional()
      .describe(
        "A hand-designed network trained in the same harness, its width scaled to the retrained best's parameter count within ±15 %, so that the comparison is of architecture, not of size.",
      ),
  })
  .strict()
  .describe('What follows the search: finalists, retraining from scratch, export, and a size-matched baseline.');

/**
 * A `NASSearch`: the document a user runs embedded (`nasmesh run search.yaml`) or `kubectl apply`s. Every section
 * reuses the schema of the module that owns it, so the spec cannot drift from what the engine accepts.
 */
export const searchSpecSchema = z
  .object({
    apiVersion: z.literal('nasmesh.io/v1alpha1'),
    kind: z.literal('NASSearch'),
    metadata: z
      .object({
        name: dnsLabel.describe("The search's name (a DNS label): its results directory's and, in a cluster, its resources' name."),
        namespace: dnsLabel.optional(),
        labels: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .superRefine((metadata, ctx) => checkLabels(metadata.labels, ctx)),
    spec: z
      .object({
        seed: z
          .number()
          .int()
          .min(0)
          .default(0)
          .describe('Seeds every stochastic part: the same seed gives the same search on the same backend and kind of CPU.'),
        backend: z
          .enum(BACKEND_CHOICES)
          .default('auto')
          .describe(
            'TensorFlow.js backend; auto takes the first that loads of tfjs-node-gpu, tfjs-node (native tensorflow), wasm and cpu.',
          ),
        dataset: datasetSpecSchema
          .optional()
          .describe('The data candidates train and are scored on; required unless evaluation.mode is benchmark.'),
        space: spaceConfigSchema,
        strategy: strategySpecSchema.describe("The search strategy and its options (each strategy's own)."),
        evaluation: evaluationSpecSchema,
        reward: rewardSpecSchema.default({ objective: 'accuracy' }),
        budget: z
          .object({
            candidates: positiveInt.describe('Candidates to evaluate (weight sharing: epochs × controllerStepsPerEpoch).'),
            maxDurationSeconds: z
              .number()
              .positive()
              .optional()
              .describe("Stops the search after this long (the search's own steps, across restarts)."),
          })
          .strict()
          .describe('When the search ends.'),
        network: networkSpecSchema.default({ channels: 16, cellsPerStage: 1, stages: 3 }),
        final: finalSpecSchema.optional(),
        workers: workersSpecSchema.optional().describe('Cluster only: the pods the operator runs this search in; nasmesh run ignores it.'),
      })
      .strict()
      .describe('The search: what it searches, how, on what data, for how long, and what follows it.')
      .superRefine((spec, ctx) => {
        checkSpecBounds(spec, ctx);
        if (spec.evaluation.mode !== 'benchmark' && spec.dataset === undefined) {
          ctx.addIssue({ code: 'custom', path: ['dataset'], message: `required for evaluation mode ${spec.evaluation.mode}` });
        } else if (spec.reward.objective === 'mnas' && spec.dataset === undefined) {
          // Latency is measured on the candidate's network, whose input shape and classes come from the dataset.
          ctx.addIssue({
            code: 'custom',
            path: ['dataset'],
            message: 'required for reward objective mnas (latency is measured for its input)',
          });
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
            ctx.addIssue({
              code: 'custom',
              path: ['evaluation', 'uniformEpochs'],
              message: `must be at most evaluation.epochs (${epochs})`,
            });
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
