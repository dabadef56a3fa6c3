import { Argument, type Command, InvalidArgumentError } from 'commander';
import { nonNegativeInt, positiveInt } from '../../src/cli/options.js';
import type { EvaluationMode } from '../common/metrics/evaluator-metrics.js';
import { EVALUATION_MODES } from '../common/nats/evaluation-kind.js';
import { hostname } from 'node:os';
import { hostPort, searchIdArgument } from './arguments.js';
import { addDataFlags, addNatsFlags, addServerSecurityFlags, type DataFlags, type NatsFlags, repeatable } from './security-options.js';

export const SERVICE_NAMES = ['controller', 'supernet-trainer', 'evaluator', 'latency-profiler', 'operator'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServeOptions extends NatsFlags, DataFlags {
  readonly host: string;
  readonly port: number;
  readonly nats: string;
  readonly hardwareProfile?: string;
  readonly drainSeconds: number;
  /** Port of the Prometheus /metrics endpoint on `host`; 0 picks a free one. */
  readonly metricsPort: number;
  /** Controller: the latency-profiler (host:port) that measures latency for rewards that need it (mnas). */
  readonly latencyProfiler?: string;
  /** Controller: the supernet-trainer (host:port) of the weight-sharing searches whose CreateSearch names none. */
  readonly supernetTrainer?: string;
  /** Controller: host:port the supernet-trainer reaches this controller at (default: this host's name and --port). */
  readonly advertise?: string;
  /** Controller: the shortest time between two stored checkpoints of a search; 0 stores every one. */
  readonly checkpointIntervalMs: number;
  /** Evaluator: the evaluation modes it takes jobs of. */
  readonly modes: EvaluationMode[];
  /** Evaluator: take only this search's jobs, from work-queue consumers of its own (deleted when the search ends). */
  readonly search?: string;
  /** Evaluator: how long a held job may go without a heartbeat before it goes to another evaluator. */
  readonly ackWaitMs: number;
  /** Evaluator, for tests of slow evaluations: wait this long before each one. */
  readonly testDelayMs: number;
  /** Operator: the controller (host:port) it registers searches with. */
  readonly controller: string;
  /** Operator: worker pods' image when a NASSearch names none. */
  readonly image: string;
  /** Operator: kubeconfig file (default: the pod's service account, else the usual kubeconfig). */
  readonly kubeconfig?: string;
  /** Operator: compete for the leader Lease, so several replicas are safe. */
  readonly leaderElect: boolean;
  /** Operator: namespace of the leader Lease (default: the pod's own). */
  readonly leaseNamespace?: string;
  /** Operator: this replica's name in the Lease. */
  readonly identity: string;
  /**
   * Operator: a Secret in its namespace with the mesh's certificate (`tls.crt`, `tls.key`, `ca.crt`) and NATS password
   * (`nats-password`), copied into each search's namespace for its workers, which then run with TLS.
   */
  readonly workerSecret?: string;
  /** TLS of this process's server and of its own calls (security-options.ts). */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsCa?: string;
  readonly requireClientCert: boolean;
  /** Who may call this server, as what (docs/security.md); none: every caller that can connect. */
  readonly accessFile?: string;
  /** The bearer token of this process's own calls. */
  readonly tokenFile?: string;
  readonly tlsReloadMs: number;
  /** Plaintext beyond loopback and untrusted peers are allowed, with a warning. */
  readonly insecure: boolean;
  /** Controller: most searches running at once; CreateSearch beyond it is RESOURCE_EXHAUSTED. */
  readonly maxSearches: number;
  /** Supernet-trainer: the controllers StartTraining may name (host:port patterns). */
  readonly trustedController?: string[];
  /** Controller: the trainers CreateSearch may name (host:port patterns), besides --supernet-trainer. */
  readonly trustedTrainer?: string[];
}

const port = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError(`${name} must be an integer from 0 to 65535 (0 picks a free port)`);
  }
  return n;
};

const modeList = (value: string) => {
  const modes = value.split(',').map((m) => m.trim());
  const unknown = modes.find((m) => !(EVALUATION_MODES as readonly string[]).includes(m));
  if (unknown !== undefined) throw new InvalidArgumentError(`--modes: '${unknown}' is not one of ${EVALUATION_MODES.join(', ')}`);
  return modes as EvaluationMode[];
};

/** Each service's process; loaded on demand so `nasmesh --help` does not load TensorFlow.js. */
const SERVE: Record<ServiceName, (options: ServeOptions) => Promise<void>> = {
  'latency-profiler': async (options) => (await import('../latency-profiler/main.js')).serveLatencyProfiler(options),
  controller: async (options) => (await import('../controller/main.js')).serveController(options),
  'supernet-trainer': async (options) => (await import('../supernet-trainer/main.js')).serveSupernetTrainer(options),
  evaluator: async (options) => (await import('../evaluator/main.js')).serveEvaluator(options),
  operator: async (options) => (await import('../operator/main.js')).serveOperator(options),
};

/** Adds `serve <service> [--nats URL] [--port N]` to `program`. */
export function registerServeCommand(program: Command): Command {
  const serve = program
    .command('serve')
    .description('run one nasmesh service in this process: gRPC with health checking and reflection, until SIGTERM')
    .addArgument(new Argument('<service>', 'which service').choices(SERVICE_NAMES));
  addServeOptions(serve).action((service: ServiceName, options: ServeOptions) => SERVE[service](options));
  return program;
}

/** The options every service process takes (ServeOptions); also parsed by a service's main.ts run directly. */
export function addServeOptions(command: Command): Command {
  for (const add of [addServerSecurityFlags, addNatsFlags, addDataFlags]) add(command);
  return command
    .option('--host <address>', 'address to listen on (plaintext beyond loopback needs TLS or --insecure)', '127.0.0.1')
    .option('--port <n>', 'gRPC port; 0 picks a free one (printed on start)', port('--port'), 50051)
    .option('--nats <url>', 'NATS server (controller, supernet-trainer, evaluator)', 'nats://127.0.0.1:4222')
    .option('--hardware-profile <name>', 'latency-profiler: the hardware it measures (default <arch>-<backend>-<cpus>cpu)')
    .option('--drain-seconds <n>', 'on SIGTERM, how long in-flight calls may run on', positiveInt('--drain-seconds'), 10)
    .option(
      '--metrics-port <n>',
      'port of the Prometheus /metrics endpoint; 0 picks a free one (printed on start)',
      port('--metrics-port'),
      9464,
    )
    .option(
      '--latency-profiler <host:port>',
      'controller: latency-profiler measuring latency for mnas rewards',
      hostPort('--latency-profiler'),
    )
    .option(
      '--supernet-trainer <host:port>',
      'controller: supernet-trainer of the weight-sharing searches whose CreateSearch names none',
      hostPort('--supernet-trainer'),
    )
    .option(
      '--advertise <host:port>',
      "controller: the address the supernet-trainer reaches it at (default: this host's name and --port)",
      hostPort('--advertise'),
    )
    .option(
      '--checkpoint-interval-ms <n>',
      'controller: shortest time between two stored checkpoints of a search (0: after every policy step)',
      nonNegativeInt('--checkpoint-interval-ms'),
      1000,
    )
    .option('--modes <list>', 'evaluator: evaluation modes to take jobs of', modeList, [...EVALUATION_MODES])
    .option(
      '--search <id>',
      "evaluator: take only this search's jobs (not to be mixed with evaluators without --search on one NATS); idle once the search ended",
      searchIdArgument,
    )
    .option(
      '--ack-wait-ms <n>',
      'evaluator: a job whose evaluator sent no heartbeat for this long (it died) goes to another one',
      positiveInt('--ack-wait-ms'),
      30_000,
    )
    .option('--test-delay-ms <n>', 'evaluator, for tests: wait this long before each evaluation', nonNegativeInt('--test-delay-ms'), 0)
    .option(
      '--controller <host:port>',
      'operator: the controller it registers searches with',
      hostPort('--controller'),
      'nasmesh-controller:50051',
    )
    .option('--image <image>', "operator: worker pods' image when a NASSearch names none (spec.workers.image)", 'nasmesh:0.1.0')
    .option('--kubeconfig <file>', "operator: kubeconfig (default: the pod's service account, else $KUBECONFIG or ~/.kube/config)")
    .option('--no-leader-elect', 'operator: act without holding the leader Lease (then only one replica may run)')
    .option('--lease-namespace <ns>', "operator: namespace of the leader Lease (default: the pod's own)")
    .option('--identity <name>', "operator: this replica's name in the Lease (default: the host name)", hostname())
    .option(
      '--worker-secret <name>',
      "operator: Secret (in its namespace) with the mesh's TLS certificate and NATS password, for the workers' TLS",
    )
    .option(
      '--max-searches <n>',
      'controller: most searches running at once (CreateSearch beyond: RESOURCE_EXHAUSTED)',
      positiveInt('--max-searches'),
      100,
    )
    .option(
      '--trusted-controller <pattern>',
      "supernet-trainer: a controller StartTraining may name (host:port, '*' for any run of characters but ':'); repeatable; none: loopback only",
      repeatable,
    )
    .option(
      '--trusted-trainer <pattern>',
      "controller: a supernet-trainer CreateSearch may name (host:port, '*' as for --trusted-controller); repeatable; none: loopback only",
      repeatable,
    );
}
