import { request } from 'node:http';
import { connect } from 'node:net';
import { credentials, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import type { IntOrString, V1Container, V1Probe } from '@kubernetes/client-node';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProto } from 'grpc-health-check';

const Health = (loadPackageDefinition(loadSync(healthProto, { enums: String })).grpc as Record<string, Record<string, unknown>>).health!
  .v1 as Record<string, ServiceClientConstructor>;

/**
 * One run of a readiness probe against the pod's IP, as a kubelet runs httpGet, tcpSocket and grpc probes: true when
 * it passes within its timeout. exec probes are not supported by the local pod runner.
 */
export async function probeOnce(probe: V1Probe, container: V1Container, podIp: string): Promise<boolean> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  const port = (p: IntOrString) => resolvePort(container, p);
  try {
    if (probe.httpGet) {
      const { path = '/', port: p } = probe.httpGet;
      return await httpOk(probe.httpGet.host ?? podIp, port(p), path, timeoutMs);
    }
    if (probe.tcpSocket) return await tcpOpen(probe.tcpSocket.host ?? podIp, port(probe.tcpSocket.port), timeoutMs);
    if (probe.grpc) return await grpcServing(podIp, probe.grpc.port, probe.grpc.service ?? '', timeoutMs);
  } catch {
    return false;
  }
  throw new Error('only httpGet, tcpSocket and grpc probes are supported by the local pod runner');
}

/** A probe's port: a number, or the name of one of the container's ports. */
function resolvePort(container: V1Container, port: IntOrString): number {
  if (typeof port === 'number') return port;
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`container ${container.name} has no port named ${port}`);
  return named.containerPort;
}

function httpOk(host: string, port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => socket.destroy());
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

function grpcServing(host: string, port: number, service: string, timeoutMs: number): Promise<boolean> {
  const client = new Health.Health!(`${host}:${port}`, credentials.createInsecure()) as unknown as {
    Check(r: object, o: object, cb: (e: Error | null, r: { status: string }) => void): void;
    close(): void;
  };
  return new Promise<boolean>((resolve) =>
    client.Check({ service }, { deadline: Date.now() + timeoutMs }, (e, r) => resolve(!e && r.status === 'SERVING')),
  ).finally(() => client.close());
}
