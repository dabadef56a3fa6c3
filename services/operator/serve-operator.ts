import { existsSync, readFileSync } from 'node:fs';
import { Controller } from '../common/grpc/controller-client.js';
import { RateLimitedKubeConfig, TokenBucket } from '../common/kube/rate-limit.js';
import { clientSecurityOptions, type SecurityConfig } from '../common/security/service-security.js';
import { ClientSecurity } from '../common/security/client-security.js';
import { exitOnSignal } from '../common/grpc/shutdown.js';
import { createRegistry, OperatorMetrics, serveMetrics } from '../common/metrics/index.js';
import { Operator } from './operator.js';

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** `nasmesh serve operator`'s flags. */
export interface OperatorServeConfig extends Pick<
  SecurityConfig,
  'tlsCa' | 'tlsCert' | 'tlsKey' | 'tokenFile' | 'tlsServerName' | 'tlsReloadMs' | 'insecure'
> {
  /** Address and port of /metrics, /healthz and /readyz. */
  readonly host: string;
  readonly metricsPort: number;
  /** The controller (host:port) it registers searches with. */
  readonly controller: string;
  /** The NATS URL worker pods connect to. */
  readonly nats: string;
  /** Worker pods' image when a NASSearch names none. */
  readonly image: string;
  /** Kubeconfig file (default: the pod's service account, else the usual kubeconfig). */
  readonly kubeconfig?: string;
  /** Compete for the leader Lease, so several replicas are safe. */
  readonly leaderElect: boolean;
  /** Namespace of the leader Lease (default: the pod's own). */
  readonly leaseNamespace?: string;
  /** This replica's name in the Lease. */
  readonly identity: string;
  /**
   * A Secret in its namespace with the mesh's certificate (`tls.crt`, `tls.key`, `ca.crt`) and NATS password
   * (`nats-password`), copied into each search's namespace for its workers, which then run with TLS.
   */
  readonly workerSecret?: string;
  /** Client-side limit of its Kubernetes API requests: a sustained rate a second, and bursts of this many. */
  readonly kubeApiQps: number;
  readonly kubeApiBurst: number;
}

/**
 * The operator process (`nasmesh serve operator`): reconciles NASSearches until SIGTERM, serving /metrics, /healthz
 * and /readyz. In a pod it uses its service account; elsewhere --kubeconfig or the usual kubeconfig.
 */
export async function serveOperator(flags: OperatorServeConfig): Promise<void> {
  const kc = new RateLimitedKubeConfig(new TokenBucket(flags.kubeApiQps, flags.kubeApiBurst));
  if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST && existsSync(`${SERVICE_ACCOUNT}/token`)) kc.loadFromCluster();
  else kc.loadFromDefault();
  const registry = createRegistry();
  const metrics = new OperatorMetrics(registry);
  const log = (line: string) => console.error(line);
  // It dials the controller as every nasmesh process dials another: TLS and token by its flags.
  const controller = new Controller(flags.controller, ClientSecurity.from({ ...clientSecurityOptions(flags), log }));
  const namespace = flags.leaseNamespace ?? process.env.POD_NAMESPACE ?? readNamespace() ?? 'default';
  const operator = new Operator({
    kc,
    config: {
      image: flags.image,
      natsUrl: flags.nats,
      ports: { grpc: 50052, metrics: 9465 },
      insecure: flags.insecure,
      controller: flags.controller,
      ...(flags.workerSecret ? { workerSecret: { namespace, name: flags.workerSecret } } : {}),
    },
    controller,
    metrics,
    ...(flags.leaderElect ? { leaderElection: { namespace, identity: flags.identity } } : {}),
    // Another replica may lead already: stop acting at once, and let the Deployment start this one afresh.
    onLostLease: () => process.exit(1),
    log,
  });
  const metricsServer = await serveMetrics(registry, { host: flags.host, port: flags.metricsPort }, () => operator.ready);
  exitOnSignal(async () => {
    await operator.stop();
    controller.close();
    await metricsServer.close();
  });
  await operator.start();
  console.log(`operator ${flags.identity} watching NASSearches (leader election ${flags.leaderElect ? `in ${namespace}` : 'off'})`);
  console.log(`metrics on ${metricsServer.url}`);
}

function readNamespace(): string | undefined {
  const file = `${SERVICE_ACCOUNT}/namespace`;
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
