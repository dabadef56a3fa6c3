import type { V1Node } from '@kubernetes/client-node';
import { type ClusterNetwork, podCidr } from './network.js';

/** A fake node KWOK keeps Ready; pods the scheduler binds to it run as local processes (pod-runner). */
export interface FakeNode {
  readonly name: string;
  readonly cpu: string;
  readonly memory: string;
  /** nvidia.com/gpu capacity; 0 for a CPU node. */
  readonly gpus: number;
}

/** Two GPU nodes (2 GPUs each) and two CPU-only nodes: enough to see where the scheduler puts what. */
export const DEFAULT_NODES: readonly FakeNode[] = [
  { name: 'gpu-node-1', cpu: '8', memory: '32Gi', gpus: 2 },
  { name: 'gpu-node-2', cpu: '8', memory: '32Gi', gpus: 2 },
  { name: 'cpu-node-1', cpu: '8', memory: '16Gi', gpus: 0 },
  { name: 'cpu-node-2', cpu: '8', memory: '16Gi', gpus: 0 },
];

/** KWOK manages the nodes with this annotation, and only those. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

/**
 * The Node object. GPU nodes carry the taint GPU clusters usually have (nvidia.com/gpu:NoSchedule), so only pods that
 * tolerate it, those asking for GPUs, land there; each node's podCIDR is a loopback range (network.ts).
 */
export function fakeNode(node: FakeNode, index: number, network: ClusterNetwork): V1Node {
  const resources = { cpu: node.cpu, memory: node.memory, pods: '110', ...(node.gpus > 0 ? { 'nvidia.com/gpu': String(node.gpus) } : {}) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake' },
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'nasmesh.io/pool': node.gpus > 0 ? 'gpu' : 'cpu',
        ...(node.gpus > 0 ? { 'nvidia.com/gpu.present': 'true' } : {}),
      },
    },
    spec: {
      podCIDR: podCidr(network, index),
      podCIDRs: [podCidr(network, index)],
      ...(node.gpus > 0 ? { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] } : {}),
    },
    status: { capacity: resources, allocatable: resources },
  };
}
