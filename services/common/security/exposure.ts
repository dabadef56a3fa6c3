import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { NasmeshError } from '../../../src/util/errors.js';

/**
 * nasmesh's rule for what runs without TLS: plaintext (gRPC without --tls-cert, NATS without TLS) is fine where only
 * this machine can reach it (loopback addresses: a developer's laptop, the local cluster whose pods live in
 * 127.0.0.0/8), and refused anywhere else unless the service was started with --insecure, which says so in a
 * warning. So a deployment is secure by default and insecure only by an explicit, logged choice.
 */

/** A service's settings that leave it open to the network: refused at start, naming what to set. */
export class InsecureSettingError extends NasmeshError {}

/** Whether `address` (an IP address) is a loopback address: 127.0.0.0/8, ::1, or IPv4-mapped 127.x. */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/** Whether every address `host` names is a loopback address (`localhost`, a name /etc/hosts maps to 127.x). */
export async function resolvesToLoopback(host: string): Promise<boolean> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) return isLoopbackAddress(bare);
  try {
    const addresses = await lookup(bare, { all: true });
    return addresses.length > 0 && addresses.every((a) => isLoopbackAddress(a.address));
  } catch {
    return false;
  }
}

export interface ExposureCheck {
  /** What would run in plaintext, for the messages: `gRPC on 0.0.0.0:50051`, `NATS at nats://nats:4222`. */
  readonly what: string;
  /** The host it listens on or connects to. */
  readonly host: string;
  /** The flags that would secure it, for the refusal. */
  readonly secureWith: string;
  /** --insecure was given. */
  readonly insecure: boolean;
  readonly log: (line: string) => void;
}

/** Allows plaintext on loopback, or anywhere with --insecure (logging a warning); refuses it otherwise. */
export async function allowPlaintext(c: ExposureCheck): Promise<void> {
  if (await resolvesToLoopback(c.host)) return;
  if (!c.insecure) {
    throw new InsecureSettingError(
      `refusing plaintext ${c.what}: ${c.host} is not a loopback address, so anyone on the network could read and call it. ` +
        `Secure it with ${c.secureWith}, or pass --insecure to accept that`,
    );
  }
  c.log(`WARNING: --insecure: plaintext ${c.what}, readable and callable by anyone who reaches ${c.host}`);
}
