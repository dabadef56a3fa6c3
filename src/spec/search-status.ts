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
    index: count,
    /** The space's canonical architecture string. */
    architecture: z.string(),
    hash: z.string(),
    accuracy: z.number(),
    reward: z.number(),
    latencyMs: z.number().min(0).optional(),
    params: count.optional(),
    flops: count.optional(),
  })
  .strict();

/** metav1.Condition, with the bounds and patterns Kubernetes gives it. */
const conditionSchema = z
  .object({
    type: z
      .string()
      .max(316)
      .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/),
    status: z.enum(['True', 'False', 'Unknown']),
    observedGeneration: count.optional(),
    lastTransitionTime: timestamp,
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/),
    message: z.string().max(32768),
  })
  .strict();

/** `.status` of a NASSearch: written by the operator, read by `kubectl get` and `nasmesh results`. */
export const searchStatusSchema = z
  .object({
    phase: z.enum(SEARCH_STATUS_PHASES),
    /** The `metadata.generation` this status describes. */
    observedGeneration: count.optional(),
    /** The controller's id of the search. */
    searchId: z.string().optional(),
    /** Candidates evaluated, of the budget's `total`. */
    done: count.optional(),
    total: count.optional(),
    /** `done/total` as text, for `kubectl get`'s Done column. */
    progress: z.string().optional(),
    best: candidateSummarySchema.optional(),
    paretoFront: z.array(candidateSummarySchema).max(10).optional(),
    // One condition per type, as every Kubernetes status keeps them (a server-side-apply list map).
    conditions: z
      .array(conditionSchema)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
      .optional(),
    /** Where `nasmesh results` downloads the search's results from. */
    results: z
      .object({ objectStore: z.string(), prefix: z.string(), files: z.array(z.string()), model: z.string().optional() })
      .strict()
      .optional(),
    message: z.string().optional(),
    startTime: timestamp.optional(),
    completionTime: timestamp.optional(),
  })
  .strict();

export type SearchStatus = z.output<typeof searchStatusSchema>;
export type CandidateSummary = z.output<typeof candidateSummarySchema>;
export type SearchCondition = z.output<typeof conditionSchema>;
