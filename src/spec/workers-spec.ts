import { z } from 'zod';
import { dnsSubdomain } from './kubernetes-names.js';

/** apimachinery's resource.Quantity serialization, as Kubernetes' own OpenAPI schemas state it. */
const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/**
 * A resource amount as a Pod takes it: a quantity string (`500m`, `1.5`, `4Gi`) or a whole number (YAML's `cpu: 2`).
 * Always a string once parsed, ready for a container's `resources`.
 */
const quantity = z
  .union(
    [
      z
        .string()
        .max(64)
        .regex(QUANTITY, 'must be a Kubernetes quantity such as 500m, 2 or 4Gi')
        .refine((q) => !q.startsWith('-'), 'must not be negative'),
      z.number().int().min(0),
    ],
    { error: 'must be a Kubernetes quantity: a whole number or a string such as 500m, 1.5 or 4Gi' },
  )
  .transform(String);

/** Requests (and the GPU limit) of every worker pod of the search. */
const resourcesSchema = z
  .object({
    cpu: quantity.optional().describe("Each worker pod's requests.cpu (500m, 2)."),
    memory: quantity.optional().describe("Each worker pod's requests.memory and limits.memory (4Gi)."),
    gpu: z
      .number()
      .int()
      .min(0)
      .max(16)
      .default(0)
      .describe("GPUs per worker pod: the nvidia.com/gpu limit, with the GPU nodes' toleration."),
  })
  .strict()
  .describe("Every worker pod's requests, and its GPU limit.");

/** A Kubernetes Toleration, with the checks the API server would otherwise make only when the pod is created. */
const tolerationSchema = z
  .object({
    key: z.string().max(317).optional().describe('The taint key tolerated (empty with operator Exists: every taint).'),
    operator: z.enum(['Exists', 'Equal']).default('Equal').describe('Equal: the taint value must be value; Exists: any value.'),
    value: z.string().max(63).optional().describe('The taint value tolerated (operator Equal).'),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional().describe('The taint effect tolerated (all when empty).'),
    tolerationSeconds: z.number().int().optional().describe('NoExecute only: how long the pod stays once tainted.'),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.operator === 'Exists' && t.value !== undefined && t.value !== '') {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be empty when operator is Exists' });
    }
    if ((t.key === undefined || t.key === '') && t.operator !== 'Exists') {
      ctx.addIssue({ code: 'custom', path: ['operator'], message: 'must be Exists when key is empty (match every taint)' });
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      ctx.addIssue({ code: 'custom', path: ['effect'], message: 'must be NoExecute when tolerationSeconds is set' });
    }
  });

/** An absolute path without `..` steps (the API server refuses those in volume and mount paths). */
const absolutePath = z
  .string()
  .max(4096)
  .regex(/^\//, 'must be an absolute path')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ..');

/**
 * Where `spec.dataset.path` and `spec.evaluation.table` resolve inside worker pods: the volume is mounted at
 * `mountPath`, which is also the pods' working directory, so the spec's relative paths resolve inside the volume
 * (`table: benchmarks/nb201.csv` reads `<mountPath>/benchmarks/nb201.csv`). Exactly one source: a
 * PersistentVolumeClaim in the search's namespace, or a directory on the node.
 */
const dataVolumeSchema = z
  .object({
    claimName: dnsSubdomain.optional().describe("A PersistentVolumeClaim in the search's namespace (or hostPath)."),
    hostPath: absolutePath.optional().describe('A directory on the node (or claimName).'),
    mountPath: absolutePath
      .default('/data')
      .describe("Where it is mounted, read-only; also the pods' working directory, where the spec's relative paths resolve."),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.claimName === undefined && v.hostPath === undefined) {
      ctx.addIssue({ code: 'custom', path: ['claimName'], message: 'required: a PersistentVolumeClaim name, or hostPath' });
    } else if (v.claimName !== undefined && v.hostPath !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['hostPath'], message: 'not allowed with claimName (give exactly one of them)' });
    }
  })
  // The same rule for the API server (the CRD is generated from this schema; see src/spec/crd.ts).
  .meta({
    'x-kubernetes-validations': [
      { rule: 'has(self.claimName) != has(self.hostPath)', message: 'exactly one of claimName and hostPath is required' },
    ],
  });

/**
 * `spec.workers`: the pods the operator runs a search in (evaluators, the supernet trainer, the final-training Job).
 * Cluster only: `nasmesh run` ignores it.
 */
export const workersSpecSchema = z
  .object({
    parallelism: z.number().int().min(1).max(64).default(1).describe("This search's evaluator pods; a change applies to a running search."),
    image: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe("The worker pods' image (the operator's default otherwise; on GPU nodes the GPU image)."),
    resources: resourcesSchema.default({ gpu: 0 }),
    nodeSelector: z.record(z.string(), z.string()).optional().describe('Node labels the worker pods must match.'),
    tolerations: z.array(tolerationSchema).optional().describe("Taints the worker pods tolerate (as a Pod's tolerations)."),
    priorityClassName: dnsSubdomain.optional().describe("The worker pods' PriorityClass."),
    dataVolume: dataVolumeSchema
      .optional()
      .describe('The volume the data and tables are read from (dataset.path and evaluation.table resolve inside it).'),
  })
  .strict()
  .describe('Cluster only: the pods the operator runs this search in (evaluators, the supernet trainer, the final-training Job).');

export type WorkersSpecInput = z.input<typeof workersSpecSchema>;
export type WorkersSpec = z.output<typeof workersSpecSchema>;
