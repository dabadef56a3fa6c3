import { status } from '@grpc/grpc-js';
import { GrpcStatusError } from '../grpc/status.js';
import { resolvesToLoopback } from './exposure.js';

/**
 * The peers a service dials because a request named them: the supernet-trainer dials the controller a StartTraining
 * names, the controller the trainer a CreateSearch names. Without this, any caller could point the service at any
 * host:port (and have it present its credentials there). Trusted are the configured patterns (`host:port`, `*`
 * matching any run of characters but ':', e.g. `*.nasmesh-system.svc:50051`); with none configured, addresses that
 * resolve to loopback only, as for plaintext (exposure.ts); with --insecure, any address.
 */
export class TrustedPeers {
  private readonly patterns: RegExp[];

  constructor(
    patterns: readonly string[],
    private readonly insecure: boolean,
    /** For refusals: what the peer is and the flag that trusts one, e.g. `controller`, `--trusted-controller`. */
    private readonly peer: string,
    private readonly flag: string,
  ) {
    this.patterns = patterns.map((p) => new RegExp(`^${p.split('*').map(escape).join('[^:]*')}$`, 'i'));
  }

  /** PERMISSION_DENIED naming `field` unless `address` (host:port) is trusted. */
  async assertTrusted(address: string, field: string): Promise<void> {
    if (this.insecure || this.patterns.some((p) => p.test(address))) return;
    if (this.patterns.length === 0 && (await resolvesToLoopback(address.slice(0, address.lastIndexOf(':'))))) return;
    throw new GrpcStatusError(
      status.PERMISSION_DENIED,
      `${field}: '${address}' is not a trusted ${this.peer}; ${this.patterns.length === 0 ? 'only loopback addresses are, until' : 'trusted are those of'} ${this.flag} <host:port or pattern>`,
    );
  }
}

function escape(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
