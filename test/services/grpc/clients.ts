import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import {
  type ChannelCredentials,
  type Client,
  credentials,
  loadPackageDefinition,
  Metadata,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProto } from 'grpc-health-check';
import {
  type DeepPartial,
  LatencyProfilerClient,
  ProfileArchitectureRequest,
  type ProfileArchitectureResponse,
} from '../../../services/gen/nasmesh/v1/latency_profiler.js';

/** Test clients over real sockets: the generated LatencyProfiler client and dynamic health/reflection clients. */

type Callback<T> = (e: ServiceError | null, r: T) => void;
type DynamicClient = Client & Record<string, (...args: unknown[]) => unknown>;

const reflectionProto = join(
  dirname(createRequire(import.meta.url).resolve('@grpc/reflection')),
  '../proto/grpc/reflection/v1/reflection.proto',
);

function dynamicClient(protoFile: string, service: string, address: string, creds = credentials.createInsecure()): DynamicClient {
  const pkg = loadPackageDefinition(loadSync(protoFile, { enums: String }));
  const ctor = service.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], pkg) as ServiceClientConstructor;
  return new ctor(address, creds) as unknown as DynamicClient;
}

export function profilerClient(address: string): LatencyProfilerClient {
  return new LatencyProfilerClient(address, credentials.createInsecure());
}

export function profile(
  client: LatencyProfilerClient,
  request: DeepPartial<ProfileArchitectureRequest>,
  deadlineMs?: number,
): Promise<ProfileArchitectureResponse> {
  const options = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
  return new Promise((resolve, reject) =>
    client.profileArchitecture(ProfileArchitectureRequest.fromPartial(request), new Metadata(), options, (e, r) =>
      e ? reject(e) : resolve(r),
    ),
  );
}

/** The health status of `service` (`''`: the whole server); `creds` default to plaintext. */
export async function healthStatus(address: string, service: string, creds?: ChannelCredentials): Promise<string> {
  const client = dynamicClient(healthProto, 'grpc.health.v1.Health', address, creds);
  try {
    return await new Promise((resolve, reject) =>
      client.Check!({ service }, ((e, r: { status: string }) => (e ? reject(e) : resolve(r.status))) as Callback<{ status: string }>),
    );
  } finally {
    client.close();
  }
}

/** Opens a health Watch stream; `statuses` collects what it reports, `cancel` ends it. */
export function watchHealth(address: string): { statuses: string[]; cancel: () => void } {
  const client = dynamicClient(healthProto, 'grpc.health.v1.Health', address);
  const call = client.Watch!({ service: '' }) as NodeJS.EventEmitter & { cancel(): void };
  const statuses: string[] = [];
  call.on('data', (r: { status: string }) => statuses.push(r.status));
  call.on('error', () => undefined); // the cancellation itself
  return {
    statuses,
    cancel: () => {
      call.cancel();
      client.close();
    },
  };
}

/** Server reflection (v1): the listed service names and the file descriptors declaring `symbol`. */
export async function reflect(address: string, symbol: string): Promise<{ services: string[]; files: number }> {
  const client = dynamicClient(reflectionProto, 'grpc.reflection.v1.ServerReflection', address);
  const call = client.ServerReflectionInfo!() as Duplex;
  const responses: Record<string, { service?: { name: string }[]; fileDescriptorProto?: Buffer[] }>[] = [];
  const done = new Promise<void>((resolve, reject) => {
    call.on('data', (r: (typeof responses)[number]) => responses.push(r));
    call.on('end', resolve);
    call.on('error', reject);
  });
  call.write({ listServices: '*' });
  call.write({ fileContainingSymbol: symbol });
  call.end();
  await done;
  client.close();
  return {
    services: responses.flatMap((r) => r.listServicesResponse?.service?.map((s) => s.name) ?? []),
    files: responses.reduce((n, r) => n + (r.fileDescriptorResponse?.fileDescriptorProto?.length ?? 0), 0),
  };
}
