import { connect, createServer, type Server, type Socket } from 'node:net';
import type { V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { serviceEndpoints } from './cluster-dns.js';

interface Listener {
  readonly server: Server;
  readonly service: string;
  readonly port: V1ServicePort;
  next: number;
}

/**
 * kube-proxy's job, in user space: a TCP listener on each Service's ClusterIP and port (a loopback address, see
 * network.ts) that forwards every connection to one of its ready endpoints, round-robin, at the targetPort. A
 * connection with no endpoint is closed at once, as a refused one would be.
 */
export class ServiceProxy {
  private readonly listeners = new Map<string, Listener>();
  private services: readonly V1Service[] = [];
  private pods: readonly V1Pod[] = [];
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly inRange: (ip: string) => boolean,
    private readonly log: (line: string) => void,
  ) {}

  /** Brings the listeners in line with the Services and pods the informers hold now. */
  sync(services: readonly V1Service[], pods: readonly V1Pod[]): void {
    this.services = services;
    this.pods = pods;
    const wanted = new Map<string, { service: V1Service; port: V1ServicePort }>();
    for (const service of services) {
      const ip = service.spec?.clusterIP;
      if (!ip || ip === 'None' || !this.inRange(ip)) continue;
      for (const port of service.spec?.ports ?? []) {
        if ((port.protocol ?? 'TCP') === 'TCP') wanted.set(`${ip}:${port.port}`, { service, port });
      }
    }
    for (const [address, listener] of this.listeners) {
      if (!wanted.has(address)) {
        listener.server.close();
        this.listeners.delete(address);
      }
    }
    for (const [address, { service, port }] of wanted) {
      const existing = this.listeners.get(address);
      if (existing) {
        (existing as { port: V1ServicePort }).port = port;
        continue;
      }
      this.listen(address, `${service.metadata!.namespace}/${service.metadata!.name}`, port, service.spec!.clusterIP!);
    }
  }

  close(): void {
    for (const l of this.listeners.values()) l.server.close();
    for (const s of this.sockets) s.destroy();
    this.listeners.clear();
  }

  private listen(address: string, service: string, port: V1ServicePort, ip: string): void {
    const listener: Listener = { server: createServer((client) => this.forward(listener, client)), service, port, next: 0 };
    listener.server.once('error', (e) => this.log(`service proxy: cannot listen on ${address} for ${service}: ${e.message}`));
    listener.server.listen(port.port, ip);
    this.listeners.set(address, listener);
  }

  private forward(listener: Listener, client: Socket): void {
    const service = this.services.find((s) => `${s.metadata!.namespace}/${s.metadata!.name}` === listener.service);
    const endpoints = service ? serviceEndpoints(service, this.pods) : [];
    if (endpoints.length === 0) {
      client.destroy();
      return;
    }
    const pod = endpoints[listener.next++ % endpoints.length]!;
    const target = targetPort(pod, listener.port);
    const upstream = connect({ host: pod.status!.podIP!, port: target });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }
}

/** The port on the pod a Service port forwards to: targetPort as a number, or the container port of that name. */
function targetPort(pod: V1Pod, port: V1ServicePort): number {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    const named = c.ports?.find((p) => p.name === target);
    if (named) return named.containerPort;
  }
  return port.port;
}
