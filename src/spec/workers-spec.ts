import { z } from 'zod';
import { dnsSubdomain } from './kubernetes-names.js';

/** apimachinery's resource.Quantity serialization, as Kubernetes' own OpenAPI schemas state it. */
const QUANTITY =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

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
    /** `requests.cpu`. */
    cpu: quantity.optional(),
    /** `requests.memory` and `limits.memory`. */
    memory: quantity.optional(),
    /** `limits["nvidia.com/gpu"]`. */
    gpu: z.number().int().min(0).max(16).default(0),
  })
  .strict();

/** A Kubernetes Toleration, with the checks the API server would otherwise make only when the pod is created. */
const tolerationSchema = z
  .object({
    key: z.string().max(317).optional(),
    operator: z.enum(['Exists', 'Equal']).default('Equal'),
    value: z.string().max(63).optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.number().int().optional(),
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
    claimName: dnsSubdomain.optional(),
    hostPath: absolutePath.optional(),
    mountPath: absolutePath.default('/data'),
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
    /** Evaluator pods of this search. */
    parallelism: z.number().int().min(1).max(64).default(1),
    /** Container image of the worker pods; the operator's default image otherwise. */
    image: z.string().min(1).max(512).optional(),
    resources: resourcesSchema.default({ gpu: 0 }),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    tolerations: z.array(tolerationSchema).optional(),
    priorityClassName: dnsSubdomain.optional(),
    dataVolume: dataVolumeSchema.optional(),
  })
  .strict();

export type WorkersSpecInput = z.input<typeof workersSpecSchema>;
export type WorkersSpec = z.output<typeof workersSpecSchema>;
