import { Argument, type Command, InvalidArgumentError } from 'commander';
import { positiveInt } from '../../src/cli/options.js';
import { NasmeshError } from '../../src/util/errors.js';

export const SERVICE_NAMES = ['controller', 'supernet-trainer', 'evaluator', 'latency-profiler'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly nats: string;
  readonly hardwareProfile?: string;
  readonly drainSeconds: number;
}

const port = (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('--port must be an integer from 0 to 65535 (0 picks a free port)');
  }
  return n;
};

/** Each service's process; loaded on demand so `nasmesh --help` does not load TensorFlow.js. */
const SERVE: Record<ServiceName, (options: ServeOptions) => Promise<void>> = {
  'latency-profiler': async (options) => (await import('../latency-profiler/main.js')).serveLatencyProfiler(options),
  controller: notYet('controller'),
  'supernet-trainer': notYet('supernet-trainer'),
  evaluator: notYet('evaluator'),
};

function notYet(service: ServiceName) {
  return () => Promise.reject(new NasmeshError(`serve ${service}: not implemented yet (available: latency-profiler)`));
}

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
  return command
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('--port <n>', 'gRPC port; 0 picks a free one (printed on start)', port, 50051)
    .option('--nats <url>', 'NATS server (controller, supernet-trainer, evaluator)', 'nats://127.0.0.1:4222')
    .option('--hardware-profile <name>', 'latency-profiler: the hardware it measures (default <arch>-<backend>-<cpus>cpu)')
    .option('--drain-seconds <n>', 'on SIGTERM, how long in-flight calls may run on', positiveInt('--drain-seconds'), 10);
}
