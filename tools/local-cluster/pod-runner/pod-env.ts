import type { V1Container, V1ObjectFieldSelector, V1Pod } from '@kubernetes/client-node';

/** Reads a ConfigMap's or Secret's data (Secret values decoded), undefined when it does not exist. */
export type ObjectData = (kind: 'ConfigMap' | 'Secret', namespace: string, name: string) => Promise<Record<string, string> | undefined>;

/**
 * A container's environment as a kubelet builds it: the service variables first (here only the API server's, which
 * in-cluster clients need), then `envFrom`, then `env`, each later one overriding, with `$(VAR)` in values expanded
 * from those defined before it.
 */
export async function containerEnv(
  pod: V1Pod,
  container: V1Container,
  serviceEnv: Record<string, string>,
  read: ObjectData,
): Promise<Record<string, string>> {
  const namespace = pod.metadata!.namespace!;
  const env: Record<string, string> = { ...serviceEnv };
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    if (!ref) continue;
    const data = await read(source.configMapRef ? 'ConfigMap' : 'Secret', namespace, ref.name!);
    if (!data && !ref.optional) throw new Error(`envFrom: ${ref.name} not found`);
    for (const [k, v] of Object.entries(data ?? {})) env[`${source.prefix ?? ''}${k}`] = v;
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (!from) {
      env[variable.name] = expandVariables(variable.value ?? '', env);
    } else if (from.fieldRef) {
      env[variable.name] = fieldValue(pod, from.fieldRef);
    } else if (from.configMapKeyRef || from.secretKeyRef) {
      const ref = (from.configMapKeyRef ?? from.secretKeyRef)!;
      const data = await read(from.configMapKeyRef ? 'ConfigMap' : 'Secret', namespace, ref.name!);
      const value = data?.[ref.key];
      if (value === undefined && !ref.optional) throw new Error(`env ${variable.name}: key ${ref.key} of ${ref.name} not found`);
      if (value !== undefined) env[variable.name] = value;
    } else {
      throw new Error(`env ${variable.name}: this valueFrom is not supported by the local pod runner`);
    }
  }
  return env;
}

/** The downward API's fields: what a pod may learn about itself. */
export function fieldValue(pod: V1Pod, ref: V1ObjectFieldSelector): string {
  const path = ref.fieldPath;
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed) return pod.metadata?.[keyed[1] as 'labels' | 'annotations']?.[keyed[2]!] ?? '';
  const values: Record<string, string | undefined> = {
    'metadata.name': pod.metadata?.name,
    'metadata.namespace': pod.metadata?.namespace,
    'metadata.uid': pod.metadata?.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.hostIP': pod.status?.hostIP,
    'status.podIP': pod.status?.podIP,
    'status.podIPs': pod.status?.podIPs?.map((p) => p.ip).join(','),
  };
  if (!(path in values)) throw new Error(`fieldRef ${path} is not supported by the local pod runner`);
  return values[path] ?? '';
}

/** Kubernetes' `$(VAR)` expansion in env values, command and args: `$$` escapes, unknown references stay as written. */
export function expandVariables(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) =>
    name === undefined ? '$' : (env[name] ?? match),
  );
}
