import type { V1Pod, V1Service } from '@kubernetes/client-node';

/** Ready, not terminating pods that a Service selects: its endpoints. */
export function serviceEndpoints(service: V1Service, pods: readonly V1Pod[]): V1Pod[] {
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  return pods.filter(
    (pod) =>
      pod.metadata?.namespace === service.metadata?.namespace &&
      !pod.metadata?.deletionTimestamp &&
      pod.status?.podIP &&
      pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
      Object.entries(selector).every(([k, v]) => pod.metadata?.labels?.[k] === v),
  );
}

/**
 * The pod's /etc/hosts: what cluster DNS would answer it. A ClusterIP Service's names resolve to its ClusterIP
 * (where the service proxy listens); a headless one's to its first ready endpoint, and each of its pods that sets
 * hostname and subdomain (StatefulSet pods) gets `<hostname>.<service>.<namespace>.svc.cluster.local`. Short names
 * (`<service>`) resolve in the pod's own namespace, as its DNS search path would make them.
 */
export function podHostsFile(pod: V1Pod, services: readonly V1Service[], pods: readonly V1Pod[]): string {
  const namespace = pod.metadata!.namespace!;
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  const hostname = pod.spec?.hostname ?? pod.metadata!.name!;
  if (pod.status?.podIP) {
    const fqdn = pod.spec?.subdomain ? [`${hostname}.${pod.spec.subdomain}.${namespace}.svc.cluster.local`] : [];
    lines.push([pod.status.podIP, ...fqdn, hostname].join('\t'));
  }
  for (const service of services) {
    const { name, namespace: ns } = service.metadata!;
    const names = [`${name}.${ns}.svc.cluster.local`, `${name}.${ns}.svc`, `${name}.${ns}`, ...(ns === namespace ? [name!] : [])];
    const clusterIp = service.spec?.clusterIP;
    const endpoints = serviceEndpoints(service, pods);
    if (clusterIp && clusterIp !== 'None') {
      lines.push([clusterIp, ...names].join('\t'));
      continue;
    }
    if (endpoints[0]) lines.push([endpoints[0].status!.podIP!, ...names].join('\t'));
    for (const e of endpoints) {
      if (e.spec?.subdomain === name && e.spec?.hostname)
        lines.push(`${e.status!.podIP}\t${e.spec?.hostname}.${name}.${ns}.svc.cluster.local`);
    }
  }
  return `${lines.join('\n')}\n`;
}
