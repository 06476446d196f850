/**
 * TCP transport (node:net), with optional mutual TLS (node:tls). One per node.
 *
 * Example:
 * ```ts
 * const transport = new TcpTransport({ name: 'gotham', cookie, host: '0.0.0.0', advertiseHost: '10.0.0.5', port: 4800 });
 * transport.onConnection((conn) => serve(conn));
 * await transport.listen();                                    // localName: gotham@10.0.0.5:4800
 * const conn = await transport.connect({ host: '10.0.0.6', port: 4800 });
 * ```
 *
 * Accepted connections still in their handshake are capped (`maxPendingHandshakes`); handshake
 * failures and refusals are logged at `warn`, rate-limited (`rate-limited-log.ts`).
 *
 * Options (besides `TransportOptions`): `host` to bind (default `127.0.0.1`: safe by default,
 * bind `0.0.0.0` to reach other machines), `port` (default 0: any free port), `advertiseHost`
 * (the host in `localName`, default `host`), `tls` (mutual TLS, see `TcpTlsOptions`).
 * `setNoDelay(true)` is set on every socket; the connection coalesces the writes of one task
 * into one socket write and waits for `drain` when the socket buffer is full. Dialled plain-TCP
 * sockets read into one reused buffer (`DirectReads`); accepted and TLS sockets use `data` events.
 *
 * Lifecycle: `listen()` → `connect()`/accept … → `close()` stops listening, says goodbye on
 * every connection and resolves once all sockets are gone (at most `closeLingerMs` later).
 *
 * Not for: talking to strangers — every connection must pass the cookie handshake first.
 */
import net from 'node:net';
import tls, { TLSSocket } from 'node:tls';
import type { Socket, Server } from 'node:net';
import { ConnectError, ListenError, TransportClosedError } from './errors.ts';
import { ConnectionHub } from './connection-hub.ts';
import type { FramedConnection } from './framed-connection.ts';
import { DirectReads, socketLink } from './link.ts';
import { resolveTransportOptions } from './options.ts';
import { certificateNames, checkPeerName } from './tls-identity.ts';
import type { ResolvedTransportOptions, TransportOptions } from './options.ts';
import type { Connection, FaultInjectable, LinkPolicy, PeerAddress, Transport } from './types.ts';

/** Mutual TLS: both sides present a certificate signed by `ca`, and both verify the other's. */
export interface TcpTlsOptions {
  /** PEM of the cluster's certificate authority (or several). */
  ca: string | Buffer | Array<string | Buffer>;
  /** PEM of this node's certificate (signed by `ca`). */
  cert: string | Buffer;
  /** PEM of this node's private key. */
  key: string | Buffer;
  /**
   * Check that the server certificate names the host we dialled. Default true: a stolen
   * certificate of another host cannot impersonate this one. Set false only when certificates
   * identify nodes rather than hosts (the cookie handshake still binds the node names).
   */
  verifyHostname?: boolean;
  /**
   * Accept a peer only under a node name its certificate carries (subject CN or a DNS SAN; see
   * `tls-identity.ts`). Default true: a certificate of one node cannot impersonate another.
   */
  bindNodeName?: boolean;
}

export interface TcpTransportOptions extends TransportOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port to bind. Default 0 (the OS picks one; read it from `listen()` or `localName`). */
  port?: number;
  /** Host written into `localName` for peers to dial. Default `host`. */
  advertiseHost?: string;
  /** Mutual TLS. Default: plain TCP (the cookie authenticates, nothing is encrypted). */
  tls?: TcpTlsOptions;
}

export class TcpTransport implements Transport, FaultInjectable {
  private readonly opts: ResolvedTransportOptions;
  private readonly host: string;
  private readonly advertiseHost: string;
  private readonly tlsOptions: TcpTlsOptions | undefined;
  private port: number;
  private server: Server | undefined;
  private policy: LinkPolicy | undefined;
  private closed = false;
  private readonly hub = new ConnectionHub();
  private readonly sockets = new Set<Socket>();

  constructor(options: TcpTransportOptions) {
    this.opts = resolveTransportOptions(options);
    this.host = options.host ?? '127.0.0.1';
    this.advertiseHost = options.advertiseHost ?? this.host;
    this.port = options.port ?? 0;
    this.tlsOptions = options.tls;
  }

  get localName(): string {
    return `${this.opts.name}@${this.advertiseHost}:${this.port}`;
  }

  get localIncarnation(): string {
    return this.opts.incarnation;
  }

  setLinkPolicy(policy: LinkPolicy | undefined): void {
    this.policy = policy;
  }

  listen(): Promise<PeerAddress> {
    if (this.closed) return Promise.reject(new TransportClosedError());
    if (this.server) return Promise.resolve({ host: this.advertiseHost, port: this.port });
    const server = this.tlsOptions
      ? tls.createServer({
          ca: this.tlsOptions.ca,
          cert: this.tlsOptions.cert,
          key: this.tlsOptions.key,
          requestCert: true,
          rejectUnauthorized: true,
          minVersion: 'TLSv1.3',
          // Node's default is 120 s: a stranger could hold a socket that long before our own
          // handshake timeout even starts.
          handshakeTimeout: this.opts.handshakeTimeoutMs,
        })
      : net.createServer();
    server.on(this.tlsOptions ? 'secureConnection' : 'connection', (socket: Socket) => this.accept(socket));
    server.on('tlsClientError', (err: Error, socket: Socket) => {
      this.hub
        .refusals(this.opts)
        .warn({ code: 'ERR_TLS', err, remote: socket.remoteAddress }, 'TLS handshake failed');
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        this.server = undefined;
        reject(new ListenError(`${this.host}:${this.port}`, err));
      };
      server.once('error', onError);
      server.listen(this.port, this.host, () => {
        server.off('error', onError);
        server.on('error', (err) => this.opts.logger.error({ err }, 'listener error'));
        const address = server.address();
        if (address && typeof address === 'object') this.port = address.port;
        resolve({ host: this.advertiseHost, port: this.port });
      });
    });
  }

  async connect(address: PeerAddress): Promise<Connection> {
    if (this.closed) throw new TransportClosedError();
    const target = `${address.host}:${address.port}`;
    // Plain TCP dials read into one reused buffer (see `DirectReads`); TLS sockets cannot.
    const reads = this.tlsOptions ? undefined : new DirectReads();
    const socket = await this.dial(address, target, reads);
    if (this.closed) {
      socket.destroy();
      throw new TransportClosedError();
    }
    const conn = this.track(socket, 'initiator', reads);
    return conn.ready;
  }

  onConnection(handler: (conn: Connection) => void): void {
    this.hub.onConnection(handler);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const server = this.server;
    const serverClosed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined;
    const socketsClosed = [...this.sockets].map(
      (s) => new Promise<void>((resolve) => s.once('close', resolve)),
    );
    this.hub.closeAll();
    await Promise.all([serverClosed, ...socketsClosed]);
  }

  private dial(address: PeerAddress, target: string, reads: DirectReads | undefined): Promise<Socket> {
    const t = this.tlsOptions;
    return new Promise((resolve, reject) => {
      const socket = t
        ? tls.connect({
            host: address.host,
            port: address.port,
            ca: t.ca,
            cert: t.cert,
            key: t.key,
            minVersion: 'TLSv1.3',
            ...(t.verifyHostname === false ? { checkServerIdentity: () => undefined } : {}),
          })
        : net.connect({ host: address.host, port: address.port, ...(reads ? { onread: reads.onread } : {}) });
      const timer = this.opts.scheduler.setTimer(() => {
        socket.destroy();
        reject(
          new ConnectError(target, new Error(`no connection within ${this.opts.handshakeTimeoutMs} ms`)),
        );
      }, this.opts.handshakeTimeoutMs);
      socket.once('error', (err) => {
        timer.cancel();
        reject(new ConnectError(target, err));
      });
      socket.once(t ? 'secureConnect' : 'connect', () => {
        timer.cancel();
        resolve(socket); // the 'error' listener above stays: harmless once settled, and the link adds its own
      });
    });
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const limit = this.opts.maxPendingHandshakes;
    if (this.hub.pendingInbound >= limit) {
      // Unauthenticated sockets are the one resource a stranger can take without the cookie.
      this.hub
        .refusals(this.opts)
        .warn(
          { code: 'ERR_TOO_MANY_HANDSHAKES', remote: socket.remoteAddress, limit },
          'refused a connection: too many unauthenticated connections',
        );
      socket.destroy();
      return;
    }
    this.hub.announce(this.track(socket, 'responder'));
  }

  private track(socket: Socket, role: 'initiator' | 'responder', reads?: DirectReads): FramedConnection {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return this.hub.open({
      role,
      link: socketLink(socket, reads),
      localName: this.localName,
      options: this.opts,
      policy: () => this.policy,
      ...(socket instanceof TLSSocket && this.tlsOptions?.bindNodeName !== false
        ? { verifyPeer: (name: string) => checkPeerName(certificateNames(socket.getPeerCertificate()), name) }
        : {}),
    });
  }
}
