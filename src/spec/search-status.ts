import { z } from 'zod';

/** Where a NASSearch is in its life; the last three are final. */
export const SEARCH_STATUS_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Cancelled'] as const;
export type SearchPhase = (typeof SEARCH_STATUS_PHASES)[number];

/** RFC 3339, as Kubernetes writes times (`2026-01-02T03:04:05Z`). */
const timestamp = z.iso.datetime({ offset: true });
const count = z.number().int().min(0);

/** One evaluated candidate, as `nasmesh status` and the results show it. */
const candidateSummarySchema = z
  .object({
    index: count.describe('Its place in the order candidates were evaluated.'),
    architecture: z.string().describe("The space's canonical architecture string."),
    hash: z.string().describe("The architecture's stable short hash."),
    accuracy: z.number().describe('Validation accuracy (fraction) the reward was computed from.'),
    reward: z.number().describe('The reward the strategy saw.'),
    latencyMs: z.number().min(0).optional().describe('Measured inference latency in ms (mnas rewards).'),
    params: count.optional().describe("Parameters of the candidate's network."),
    flops: count.optional().describe("Multiply-adds per image of the candidate's network."),
  })
  .strict();

/** metav1.Condition, with the bounds and patterns Kubernetes gives it. */
const conditionSchema = z
  .object({
    type: z
      .string()
      .max(316)
      .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/)
      .describe('Valid, Registered, WorkersScheduled, SpecApplied or FinalTraining.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
    observedGeneration: count.optional().describe('The metadata.generation it was set for.'),
    lastTransitionTime: timestamp.describe('When the status last changed.'),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
      .describe('Why, in one CamelCase word (WaitingForGPUs, InvalidSpec, ...).'),
    message: z.string().max(32768).describe("Why, for people: the field, the scheduler's message."),
  })
  .strict();

/** `.status` of a NASSearch: written by the operator, read by `kubectl get` and `nasmesh results`. */
export const searchStatusSchema = z
  .object({
    phase: z.enum(SEARCH_STATUS_PHASES).describe('Pending, Running, Succeeded, Failed or Cancelled.'),
    observedGeneration: count.optional().describe('The metadata.generation this status describes.'),
    searchId: z.string().optional().describe("The controller's id of the search: <name>-<first 8 hex digits of the uid>."),
    done: count.optional().describe('Candidates evaluated.'),
    total: count.optional().describe("The budget's candidates."),
    progress: z.string().optional().describe("done/total, for kubectl get's Done column."),
    best: candidateSummarySchema.optional().describe('The best candidate so far.'),
    paretoFront: z
      .array(candidateSummarySchema)
      .max(10)
      .optional()
      .describe('The top of the Pareto front over accuracy, latency and parameters (mnas rewards).'),
    // One condition per type, as every Kubernetes status keeps them (a server-side-apply list map).
    conditions: z
      .array(conditionSchema)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
      .optional()
      .describe('What holds the search up or ended it, one per type.'),
    results: z
      .object({
        objectStore: z.string().describe('The NATS object store holding them.'),
        prefix: z.string().describe("The files' prefix in it."),
        files: z.array(z.string()).describe('The result files.'),
        model: z.string().optional().describe("The exported model's folder."),
      })
      .strict()
      .optional()
      .describe("Where nasmesh results downloads the search's results from, once it Succeeded."),
    message: z.string().optional().describe('Why the search failed, for people.'),
    startTime: timestamp.optional().describe('When the search started running.'),
    completionTime: timestamp.optional().describe('When it reached a final phase.'),
  })
  .strict()
  .describe('Written by the operator: where the search is, its best candidate, its conditions and results.');

export type SearchStatus = z.output<typeof searchStatusSchema>;
export type CandidateSummary = z.output<typeof candidateSummarySchema>;
export type SearchCondition = z.output<typeof conditionSchema>;
