import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { type Clock, systemClock } from './reconcile-queue.js';

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  /** This replica, e.g. its pod name. */
  readonly identity: string;
  /** How long a lease holds without renewal before another replica may take it. */
  readonly leaseDurationMs?: number;
  /** A leader that could not renew for this long stops leading (before the lease can expire for the others). */
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly clock?: Clock;
  readonly onStartedLeading: () => void;
  /** The replica must stop acting at once: another may lead already. */
  readonly onStoppedLeading: () => void;
  readonly log?: (line: string) => void;
}

/**
 * client-go's leader election on a coordination.k8s.io Lease: one replica holds it and renews it; the others retry
 * and take it once it has not changed for a lease duration. Expiry is judged by when this replica last saw the
 * record change, never by comparing clocks with the holder. Updates carry the resourceVersion read, so two replicas
 * racing for a free lease cannot both win.
 */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly clock: Clock;
  private leading = false;
  private lastRenewed = 0;
  private observed?: { record: string; at: number };
  private timer: unknown;
  private stopped = false;

  constructor(
    kc: KubeConfig,
    private readonly o: LeaderElectionOptions,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.clock = o.clock ?? systemClock;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  /** Stops competing; a leader releases the lease so another replica takes over without waiting for it to expire. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      lease.spec = { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1 };
      await this.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: lease });
    } catch (e) {
      this.o.log?.(`leader election: releasing lease ${this.o.name} failed: ${String(e)}`);
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const held = await this.tryAcquireOrRenew().catch((e: unknown) => {
      this.o.log?.(`leader election: ${String(e)}`);
      return false;
    });
    if (this.stopped) return;
    const now = this.clock.now();
    if (held) {
      this.lastRenewed = now;
      if (!this.leading) {
        this.leading = true;
        this.o.log?.(`leader election: ${this.o.identity} leads (lease ${this.o.namespace}/${this.o.name})`);
        this.o.onStartedLeading();
      }
    } else if (this.leading && now - this.lastRenewed > (this.o.renewDeadlineMs ?? 10_000)) {
      this.leading = false;
      this.o.log?.(`leader election: ${this.o.identity} could not renew lease ${this.o.name}; it stops leading`);
      this.o.onStoppedLeading();
    }
    this.timer = this.clock.setTimeout(() => void this.tick(), this.o.retryPeriodMs ?? 2_000);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity } = this.o;
    const durationMs = this.o.leaseDurationMs ?? 15_000;
    const now = microTime(this.clock.now());
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
      const spec = {
        holderIdentity: identity,
        leaseDurationSeconds: Math.ceil(durationMs / 1000),
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      };
      await this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } });
      return true;
    }
    const spec = lease.spec ?? {};
    const record = `${spec.holderIdentity}|${String(spec.renewTime)}`;
    if (this.observed?.record !== record) this.observed = { record, at: this.clock.now() };
    const holder = spec.holderIdentity;
    const expired = this.clock.now() - this.observed.at > (spec.leaseDurationSeconds ?? durationMs / 1000) * 1000;
    if (holder && holder !== identity && !expired) return false;
    const taking = holder !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(durationMs / 1000),
      renewTime: now,
      ...(taking ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    try {
      await this.api.replaceNamespacedLease({ name, namespace, body: lease });
    } catch (e) {
      if ((e as { code?: number }).code === 409) return false;
      throw e;
    }
    return true;
  }
}

/**
 * A Lease's times are MicroTime, which the API server parses with exactly six fractional digits; client-node types
 * them as Date but passes them through untouched (and reads them back as strings), so they are written as such.
 */
function microTime(ms: number): Date {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}
