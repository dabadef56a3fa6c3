import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import type { SearchSpecInput } from '../../src/spec/search-spec.js';
import type { SearchStatus } from '../../src/spec/search-status.js';

/** The NASSearch custom resource (deploy/crds/nassearches.nasmesh.io.yaml). */
export const NASSEARCH = {
  group: 'nasmesh.io',
  version: 'v1alpha1',
  plural: 'nassearches',
  kind: 'NASSearch',
  apiVersion: 'nasmesh.io/v1alpha1',
} as const;

export interface NASSearch extends KubernetesObject {
  apiVersion: typeof NASSEARCH.apiVersion;
  kind: typeof NASSEARCH.kind;
  metadata: V1ObjectMeta;
  spec: SearchSpecInput['spec'];
  status?: SearchStatus;
}

/** Label on every object the operator creates for a search: its NASSearch's name. */
export const SEARCH_LABEL = 'nasmesh.io/search';
/** Label telling a search's workers apart: evaluator, supernet-trainer, final-training. */
export const COMPONENT_LABEL = 'nasmesh.io/component';
/** Cancels the search on the controller before the NASSearch goes. */
export const CANCEL_FINALIZER = 'nasmesh.io/cancel-search';

export const COMPONENTS = ['evaluator', 'supernet-trainer', 'final-training', 'mesh'] as const;
export type Component = (typeof COMPONENTS)[number];

/** What the operator was started with that the objects it builds need (flags of `nasmesh serve operator`). */
export interface OperatorConfig {
  /** Worker image when a search names none (spec.workers.image). */
  readonly image: string;
  /** NATS URL the worker pods connect to. */
  readonly natsUrl: string;
  /** Ports of the worker services (fixed: each pod has its own IP). */
  readonly ports: { readonly grpc: number; readonly metrics: number };
  /**
   * Workers run with `--insecure` (plaintext gRPC and NATS beyond loopback, with a logged warning), as the operator
   * itself does: the chart does not hand workers TLS material yet (docs/security.md).
   */
  readonly insecure: boolean;
  /** The controller's address, which trainers are told to trust (they dial it for policy snapshots). */
  readonly controller: string;
  /**
   * The mesh's TLS material for the workers: a Secret in the operator's namespace with `tls.crt`, `tls.key`, `ca.crt`
   * and `nats-password`, copied into each search's namespace (Secrets are not shared across namespaces). Without it
   * workers run without TLS (and need `insecure` beyond loopback).
   */
  readonly workerSecret?: { readonly namespace: string; readonly name: string };
}

/** The name every nasmesh certificate carries, so services reach each other by any address (ClientSecurity). */
export const MESH_NAME = 'nasmesh-mesh';

/** Where worker pods find the mesh Secret's files. */
export const MESH_DIR = '/var/run/nasmesh/mesh';
