import { initBackend } from '../../src/tf/backend.js';
import { type DataConfig, type NatsConfig, serviceSecurity, type ServiceConfig } from '../common/security/service-security.js';
import { TrustedPeers } from '../common/security/trusted-peers.js';
import { startGrpcServer } from '../common/grpc/server.js';
import { exitOnSignal } from '../common/grpc/shutdown.js';
import { createRegistry, serveMetrics, SupernetMetrics } from '../common/metrics/index.js';
import { closeNats, connectNats, NatsSearchStore, SearchEvents } from '../common/nats/index.js';
import { SupernetTrainerService } from '../gen/nasmesh/v1/supernet_trainer.js';
import { CheckpointBlobs } from './checkpoint-blobs.js';
import { ControllerPolicySource } from './controller-policy-source.js';
import { supernetTrainerHandlers } from './handler.js';
import { searchEventCodec } from '../common/messages/search-event-codec.js';
import { SupernetTrainer } from './trainer.js';

/** `nasmesh serve supernet-trainer`'s flags. */
export interface SupernetTrainerServeConfig extends ServiceConfig, NatsConfig, DataConfig {
  /** The controllers StartTraining may name (host:port patterns). */
  readonly trustedController?: string[];
}

/**
 * The supernet-trainer process: trains the shared weights of the weight-sharing searches it is started for, storing
 * them in NATS's object store, until SIGTERM, which stores every search's weights after its step in progress.
 * Prints `listening on <host>:<port>` once it takes calls.
 */
export async function serveSupernetTrainer(options: SupernetTrainerServeConfig): Promise<void> {
  // The same backend selection as `nasmesh run`, so the shared weights match an embedded run's.
  await initBackend();
  const security = await serviceSecurity(options);
  const nc = await connectNats({ servers: options.nats, name: `supernet-trainer-${process.pid}`, security: security.nats });
  const registry = createRegistry();
  const trainer = new SupernetTrainer(
    {
      checkpoints: new CheckpointBlobs(await NatsSearchStore.open(nc)),
      events: await SearchEvents.open(nc, searchEventCodec),
      metrics: new SupernetMetrics(registry),
      dataOptions: { roots: security.data },
    },
    (controller) => new ControllerPolicySource(controller, security.client),
  );
  const trusted = new TrustedPeers(options.trustedController ?? [], options.insecure, 'controller', '--trusted-controller');
  const server = await startGrpcServer({
    host: options.host,
    port: options.port,
    services: [{ definition: SupernetTrainerService, implementation: supernetTrainerHandlers(trainer, trusted) }],
    drainTimeoutMs: options.drainSeconds * 1000,
    security: security.server,
  });
  // /readyz answers for the gRPC server: a kubelet's probe cannot speak its TLS.
  const metricsServer = await serveMetrics(registry, { host: options.host, port: options.metricsPort }, () => server.serving);
  exitOnSignal(async () => {
    await Promise.all([server.shutdown(), trainer.close()]);
    await metricsServer.close();
    await closeNats(nc);
    security.close();
  });
  console.log(`supernet-trainer listening on ${options.host}:${server.port}`);
  console.log(`metrics on ${metricsServer.url}`);
}
