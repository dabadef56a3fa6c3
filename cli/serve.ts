import { hostname } from 'node:os';
import { type Command, Command as NewCommand, InvalidArgumentError } from 'commander';
import type { EvaluationMode } from '../services/common/metrics/evaluator-metrics.js';
import { EVALUATION_MODES } from '../services/common/nats/evaluation-kind.js';
import { hostPort, searchIdArgument } from './arguments.js';
import { nonNegativeInt, positiveInt } from './options.js';
import { addDataFlags, addNatsFlags, addServerSecurityFlags, repeatable } from './security-options.js';

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

type Flags = (command: Command) => Command;

/** Where it listens: --host, --port, --metrics-port, --drain-seconds; and its TLS and callers. */
const listenFlags: Flags = (command) =>
  addServerSecurityFlags(command)
    .option('--host <address>', 'address to listen on (plaintext beyond loopback needs TLS or --insecure)', '127.0.0.1')
    .option('--port <n>', 'gRPC port; 0 picks a free one (printed on start)', port('--port'), 50051)
    .option(
      '--metrics-port <n>',
      'port of the Prometheus /metrics endpoint; 0 picks a free one (printed on start)',
      port('--metrics-port'),
      9464,
    )
    .option('--drain-seconds <n>', 'on SIGTERM, how long in-flight calls may run on', positiveInt('--drain-seconds'), 10);

const natsFlags: Flags = (command) => addNatsFlags(command).option('--nats <url>', 'NATS server', 'nats://127.0.0.1:4222');

const controllerFlags: Flags = (command) =>
  command
    .option('--latency-profiler <host:port>', 'latency-profiler measuring latency for mnas rewards', hostPort('--latency-profiler'))
    .option(
      '--supernet-trainer <host:port>',
      'supernet-trainer of the weight-sharing searches whose CreateSearch names none',
      hostPort('--supernet-trainer'),
    )
    .option(
      '--advertise <host:port>',
      "the address the supernet-trainer reaches it at (default: this host's name and --port)",
      hostPort('--advertise'),
    )
    .option(
      '--checkpoint-interval-ms <n>',
      'shortest time between two stored checkpoints of a search (0: after every policy step)',
      nonNegativeInt('--checkpoint-interval-ms'),
      1000,
    )
    .option(
      '--max-searches <n>',
      'most searches running at once (CreateSearch beyond: RESOURCE_EXHAUSTED)',
      positiveInt('--max-searches'),
      100,
    )
    .option(
      '--trusted-trainer <pattern>',
      "a supernet-trainer CreateSearch may name (host:port, '*' for any run of characters but ':'); repeatable; none: loopback only",
      repeatable,
    );

const evaluatorFlags: Flags = (command) =>
  command
    .option('--modes <list>', 'evaluation modes to take jobs of', modeList, [...EVALUATION_MODES])
    .option(
      '--search <id>',
      "take only this search's jobs (not to be mixed with evaluators without --search on one NATS); idle once the search ended",
      searchIdArgument,
    )
    .option(
      '--ack-wait-ms <n>',
      'a job whose evaluator sent no heartbeat for this long (it died) goes to another one',
      positiveInt('--ack-wait-ms'),
      30_000,
    );

const trainerFlags: Flags = (command) =>
  command.option(
    '--trusted-controller <pattern>',
    "a controller StartTraining may name (host:port, '*' for any run of characters but ':'); repeatable; none: loopback only",
    repeatable,
  );

const profilerFlags: Flags = (command) =>
  command.option('--hardware-profile <name>', 'the hardware it measures (default <arch>-<backend>-<cpus>cpu)');

/** The operator serves no gRPC: its /metrics, its calls to the controller, and what it tells the worker pods. */
const operatorFlags: Flags = (command) =>
  command
    .option('--host <address>', 'address of /metrics, /healthz and /readyz', '127.0.0.1')
    .option('--metrics-port <n>', 'port of /metrics; 0 picks a free one (printed on start)', port('--metrics-port'), 9464)
    .option('--controller <host:port>', 'the controller it registers searches with', hostPort('--controller'), 'nasmesh-controller:50051')
    .option('--tls-ca <file>', "CA (PEM) the controller's certificate chains to: dial it with TLS")
    .option('--tls-cert <file>', 'certificate (PEM) it presents to the controller (mutual TLS)')
    .option('--tls-key <file>', 'private key (PEM) of --tls-cert')
    .option('--token-file <file>', 'bearer token of its calls to the controller')
    .option('--tls-server-name <name>', "the name the controller's certificate must carry")
    .option('--tls-reload-ms <n>', 'how often TLS and token files are looked at for a change', positiveInt('--tls-reload-ms'), 5_000)
    .option('--insecure', 'plaintext calls beyond loopback, and workers run with --insecure (logs a warning)', false)
    .option('--nats <url>', 'the NATS server worker pods connect to', 'nats://127.0.0.1:4222')
    .option('--image <image>', "worker pods' image when a NASSearch names none (spec.workers.image)", 'nasmesh:0.1.0')
    .option('--kubeconfig <file>', "kubeconfig (default: the pod's service account, else $KUBECONFIG or ~/.kube/config)")
    .option('--no-leader-elect', 'act without holding the leader Lease (then only one replica may run)')
    .option('--lease-namespace <ns>', "namespace of the leader Lease (default: the pod's own)")
    .option('--identity <name>', "this replica's name in the Lease (default: the host name)", hostname())
    .option('--worker-secret <name>', "Secret (in its namespace) with the mesh's TLS certificate and NATS password, for the workers' TLS")
    .option('--kube-api-qps <n>', 'Kubernetes API requests a second it sustains (client-side limit)', positiveInt('--kube-api-qps'), 50)
    .option(
      '--kube-api-burst <n>',
      'Kubernetes API requests it may send at once before the rate applies',
      positiveInt('--kube-api-burst'),
      100,
    );

/** A test hook, not a flag: evaluators that wait this long before each evaluation (slow evaluations on demand). */
const TEST_DELAY_ENV = 'NASMESH_TEST_EVALUATION_DELAY_MS';

/**
 * One service: its flags and the function that serves it, loaded on demand so `nasmesh --help` does not load
 * TensorFlow.js. The values of the flags are the service's typed config.
 */
function service<C>(name: string, description: string, flags: Flags[], load: () => Promise<(config: C) => Promise<void>>): Command {
  const command = new NewCommand(name).description(description);
  for (const add of flags) add(command);
  return command.action(async (config: C) => (await load())(config));
}

/** `nasmesh serve <service>`: each service with its own flags (`nasmesh serve evaluator --help`). */
export function serveCommand(): Command {
  const serve = new NewCommand('serve').description(
    'run one nasmesh service in this process: gRPC with health checking and reflection, until SIGTERM',
  );
  serve.addCommand(
    service(
      'controller',
      'runs searches behind gRPC; resumes those a previous controller left unfinished',
      [listenFlags, natsFlags, addDataFlags, controllerFlags],
      async () => {
        return (await import('../services/controller/serve-controller.js')).serveController;
      },
    ),
  );
  serve.addCommand(
    service(
      'evaluator',
      'takes evaluation jobs of its modes from the work queue',
      [listenFlags, natsFlags, addDataFlags, evaluatorFlags],
      async () => {
        const { serveEvaluator } = await import('../services/evaluator/serve-evaluator.js');
        const delay = process.env[TEST_DELAY_ENV];
        const testDelayMs = delay ? nonNegativeInt(TEST_DELAY_ENV)(delay) : 0;
        return (config: Parameters<typeof serveEvaluator>[0]) => serveEvaluator({ ...config, testDelayMs });
      },
    ),
  );
  serve.addCommand(
    service(
      'supernet-trainer',
      'trains the shared weights of weight-sharing searches',
      [listenFlags, natsFlags, addDataFlags, trainerFlags],
      async () => {
        return (await import('../services/supernet-trainer/serve-supernet-trainer.js')).serveSupernetTrainer;
      },
    ),
  );
  serve.addCommand(
    service('latency-profiler', 'measures inference latency on this machine', [listenFlags, profilerFlags], async () => {
      return (await import('../services/latency-profiler/serve-latency-profiler.js')).serveLatencyProfiler;
    }),
  );
  serve.addCommand(
    service('operator', 'reconciles NASSearch resources: worker pods, registration, status', [operatorFlags], async () => {
      return (await import('../services/operator/serve-operator.js')).serveOperator;
    }),
  );
  const names = serve.commands.map((c) => c.name());
  // An unknown service reaches this action (a known one goes to its subcommand): name the allowed values.
  return serve
    .argument('[service]')
    .action((name?: string) =>
      name === undefined
        ? serve.help({ error: true })
        : serve.error(`error: '${name}' is not a service: one of ${names.join(', ')}`, { exitCode: 2 }),
    );
}
