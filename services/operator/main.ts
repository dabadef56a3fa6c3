import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { Command } from 'commander';
import { NasmeshError } from '../../src/util/errors.js';
import { addServeOptions, type ServeOptions } from '../cli/serve.js';
import { Controller } from '../cli/controller-client.js';
import { clientSecurityOptions } from '../cli/security-options.js';
import { ClientSecurity } from '../common/security/client-security.js';
import { exitOnSignal } from '../common/grpc/shutdown.js';
import { createRegistry, OperatorMetrics, serveMetrics } from '../common/metrics/index.js';
import { Operator } from './operator.js';

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The operator process (`nasmesh serve operator`): reconciles NASSearches until SIGTERM, serving /metrics, /healthz
 * and /readyz. In a pod it uses its service account; elsewhere --kubeconfig or the usual kubeconfig.
 */
export async function serveOperator(flags: ServeOptions): Promise<void> {
  const kc = new KubeConfig();
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

// Run directly (`node services/operator/main.ts`): the options of `nasmesh serve operator`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const program = addServeOptions(new Command('operator')).action(serveOperator);
  try {
    await program.parseAsync();
  } catch (e) {
    if (!(e instanceof NasmeshError)) throw e;
    console.error(`operator: ${e.message}`);
    process.exit(2);
  }
}
