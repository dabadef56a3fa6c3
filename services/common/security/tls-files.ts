import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type ChannelCredentials, experimental, type ServerCredentials } from '@grpc/grpc-js';
import { NasmeshError } from '../../../src/util/errors.js';
import { stampOf } from './watched-file.js';

/** A TLS file that is missing, unreadable or not what its flag says. */
export class TlsSettingError extends NasmeshError {}

export interface TlsFileOptions {
  /** This process's certificate chain and key (PEM): served, and presented as a client certificate when it dials. */
  readonly cert?: string;
  readonly key?: string;
  /** CA bundle (PEM): verifies the servers this process dials, and the client certificates it is shown. */
  readonly ca?: string;
  /** How often the files are looked at for a change. */
  readonly reloadMs: number;
  readonly log: (line: string) => void;
}

interface Material {
  readonly identity: experimental.IdentityCertificateUpdate | null;
  readonly ca: experimental.CaCertificateUpdate | null;
}

/**
 * TLS certificates, key and CA from files, reloaded when they change (cert-manager rotates the Secret a pod mounts,
 * and Kubernetes swaps the files in place): new connections get the new ones, established ones keep theirs. A
 * change is taken only once the files fit together (the key is the certificate's): a rotation caught half-way keeps
 * the previous certificates until the next look, instead of breaking TLS or the process.
 */
export class TlsFiles implements experimental.CertificateProvider {
  private material: Material;
  private stamp: string;
  private readonly caListeners = new Set<experimental.CaCertificateUpdateListener>();
  private readonly identityListeners = new Set<experimental.IdentityCertificateUpdateListener>();
  private readonly timer: NodeJS.Timeout;

  /** Reads and checks the files now; TlsSettingError naming the flag when they do not fit. */
  constructor(private readonly o: TlsFileOptions) {
    if ((o.cert === undefined) !== (o.key === undefined)) throw new TlsSettingError('--tls-cert and --tls-key go together');
    if (o.cert === undefined && o.ca === undefined) throw new TlsSettingError('no TLS files: give --tls-cert and --tls-key, or --tls-ca');
    this.stamp = this.currentStamp();
    this.material = this.read();
    this.timer = setInterval(() => this.reloadIfChanged(), o.reloadMs).unref();
  }

  get hasIdentity(): boolean {
    return this.o.cert !== undefined;
  }

  get hasCa(): boolean {
    return this.o.ca !== undefined;
  }

  /** The certificate's subject and expiry, for the start-up log. */
  describe(): string {
    if (!this.material.identity) return `CA ${this.o.ca}`;
    const cert = new X509Certificate(this.material.identity.certificate);
    return `certificate ${cert.subject.replace(/\n/g, ', ')} (valid to ${cert.validTo})${this.o.ca ? `, CA ${this.o.ca}` : ''}`;
  }

  /**
   * A server's credentials: serves the certificate; with a CA, verifies client certificates (an identity for the
   * access policy), and with `requireClientCert` refuses connections without a valid one.
   */
  serverCredentials(requireClientCert: boolean): ServerCredentials {
    if (!this.hasIdentity) throw new TlsSettingError('serving TLS needs --tls-cert and --tls-key');
    if (requireClientCert && !this.hasCa)
      throw new TlsSettingError('--require-client-cert needs --tls-ca, the CA client certificates must chain to');
    // grpc-js hands its first argument to the credentials as the identity provider and its second as the CA's.
    return experimental.createCertificateProviderServerCredentials(this, this.hasCa ? this : null, requireClientCert);
  }

  /** A client's credentials: verifies servers with the CA, presents the certificate (mutual TLS) when there is one. */
  channelCredentials(): ChannelCredentials {
    if (!this.hasCa) throw new TlsSettingError("dialing with TLS needs --tls-ca, the CA the servers' certificates chain to");
    return experimental.createCertificateProviderChannelCredentials(this, this.hasIdentity ? this : null);
  }

  close(): void {
    clearInterval(this.timer);
  }

  addCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    this.caListeners.add(listener);
    process.nextTick(listener, this.material.ca);
  }

  removeCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    this.identityListeners.add(listener);
    process.nextTick(listener, this.material.identity);
  }

  removeIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    this.identityListeners.delete(listener);
  }

  private reloadIfChanged(): void {
    let stamp: string;
    try {
      stamp = this.currentStamp();
    } catch {
      return; // A file is being replaced; the next look sees the new one.
    }
    if (stamp === this.stamp) return;
    try {
      this.material = this.read();
    } catch (e) {
      this.o.log(`TLS files changed but do not fit together yet (${(e as Error).message}); keeping the previous ones`);
      return;
    }
    this.stamp = stamp;
    this.o.log(`reloaded TLS ${this.describe()}`);
    for (const listener of this.identityListeners) listener(this.material.identity);
    for (const listener of this.caListeners) listener(this.material.ca);
  }

  private currentStamp(): string {
    return [this.o.cert, this.o.key, this.o.ca].map((f) => (f === undefined ? '' : stampOf(f))).join('|');
  }

  private read(): Material {
    const { cert, key, ca } = this.o;
    let identity: experimental.IdentityCertificateUpdate | null = null;
    if (cert !== undefined && key !== undefined) {
      const certificate = readPem(cert, '--tls-cert');
      const privateKey = readPem(key, '--tls-key');
      const parsed = parse(cert, '--tls-cert', () => new X509Certificate(certificate));
      const keyObject = parse(key, '--tls-key', () => createPrivateKey(privateKey));
      if (!parsed.checkPrivateKey(keyObject)) throw new TlsSettingError(`--tls-key ${key} is not the key of the certificate in ${cert}`);
      identity = { certificate, privateKey };
    }
    let caUpdate: experimental.CaCertificateUpdate | null = null;
    if (ca !== undefined) {
      const caCertificate = readPem(ca, '--tls-ca');
      parse(ca, '--tls-ca', () => new X509Certificate(caCertificate));
      caUpdate = { caCertificate };
    }
    return { identity, ca: caUpdate };
  }
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new TlsSettingError(`${flag} ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function parse<T>(file: string, flag: string, read: () => T): T {
  try {
    return read();
  } catch {
    // The parser's message could quote the file; a key file's content must never reach a log.
    throw new TlsSettingError(`${flag} ${file}: not a PEM ${flag === '--tls-key' ? 'private key' : 'certificate'}`);
  }
}
