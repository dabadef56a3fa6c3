import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { ServerSecurity } from '../security/server-security.js';
import { SERVER_OPTIONS } from './limits.js';
import { HealthImplementation } from 'grpc-health-check';
import { NasmeshError } from '../../../src/util/errors.js';
import { HEALTH_SERVICE, reflectionService } from './reflection.js';

export interface GrpcServiceBinding {
  /** A ts-proto `...Service` definition. */
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

export interface GrpcServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly services: readonly GrpcServiceBinding[];
  /** How long shutdown lets in-flight calls run before cancelling them. Default 10 s. */
  readonly drainTimeoutMs?: number;
  /** TLS and authorization (server-security.ts); none: plaintext, every caller may call every RPC. */
  readonly security?: Pick<ServerSecurity, 'credentials' | 'interceptors'>;
}

export interface RunningGrpcServer {
  /** The bound port (the free one picked for port 0). */
  readonly port: number;
  readonly health: HealthImplementation;
  /**
   * True from the start until shutdown begins: what /readyz on the metrics port reports, for probes that cannot speak
   * the TLS of the gRPC port (a kubelet's gRPC probe is plaintext).
   */
  readonly serving: boolean;
  /**
   * Health NOT_SERVING for every service, no new calls, in-flight calls finish; those still running after
   * drainTimeoutMs are cancelled. Calling it again returns the same promise.
   */
  shutdown(): Promise<void>;
}

/**
 * Starts a gRPC server with `services`, the standard health-checking service (all SERVING) and server reflection,
 * with the message and stream limits of limits.ts.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new Server({ ...SERVER_OPTIONS, interceptors: options.security?.interceptors ?? [] });
  const names = options.services.map((s) => serviceName(s.definition));
  for (const s of options.services) server.addService(s.definition, s.implementation);
  // '' is the whole server's status, the name a plain `grpc_health_probe` asks for.
  const health = new HealthImplementation(Object.fromEntries(['', ...names].map((n) => [n, 'SERVING'])));
  health.addToServer(server);
  reflectionService([...names, HEALTH_SERVICE]).addToServer(server);

  const address = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, options.security?.credentials ?? ServerCredentials.createInsecure(), (e, bound) =>
      e ? reject(new NasmeshError(`cannot listen on ${address}: ${e.message}`)) : resolve(bound),
    ),
  );
  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    for (const name of ['', ...names]) health.setStatus(name, 'NOT_SERVING');
    return new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, options.drainTimeoutMs ?? 10_000);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  };
  return {
    port,
    health,
    get serving() {
      return stopping === undefined;
    },
    shutdown: () => (stopping ??= shutdown()),
  };
}

/** `nasmesh.v1.LatencyProfiler` from the method paths (`/nasmesh.v1.LatencyProfiler/ProfileArchitecture`). */
function serviceName(definition: ServiceDefinition): string {
  const path = Object.values(definition)[0]?.path;
  const name = path?.split('/')[1];
  if (!name) throw new Error('a gRPC service definition without methods');
  return name;
}
