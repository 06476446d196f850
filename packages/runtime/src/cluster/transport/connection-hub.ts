/**
 * The connection bookkeeping both transports share: every connection they opened or accepted
 * (until it closes), and handing accepted ones to `onConnection` handlers once their handshake
 * succeeds — held until the first handler registers, so none is missed.
 *
 * Example (inside a transport):
 * ```ts
 * const conn = hub.open({ role: 'responder', link, localName, options, policy });
 * hub.announce(conn);              // handlers see it when it is authenticated
 * hub.onConnection(serve);         // from the transport's own onConnection
 * hub.closeAll();                  // on close: every connection says goodbye
 * ```
 *
 * It also keeps the transport's rate-limited log of refused strangers (`refusals`) and counts
 * accepted connections still in their handshake (`pendingInbound`), which the TCP transport caps.
 */
import { FramedConnection } from './framed-connection.ts';
import type { FramedConnectionOptions } from './framed-connection.ts';
import type { ResolvedTransportOptions } from './options.ts';
import { RateLimitedLog } from './rate-limited-log.ts';
import type { Connection } from './types.ts';

export class ConnectionHub {
  private readonly connections = new Set<FramedConnection>();
  private readonly handlers: Array<(conn: Connection) => void> = [];
  private waiting: Connection[] = [];
  private pending = 0;
  private log: RateLimitedLog | undefined;

  /** Accepted connections whose handshake has not finished yet. */
  get pendingInbound(): number {
    return this.pending;
  }

  /** A new connection over `options.link`, tracked until it closes or its handshake fails. */
  open(options: FramedConnectionOptions): FramedConnection {
    const refusals = this.refusals(options.options);
    const conn = new FramedConnection({ ...options, refusals });
    this.connections.add(conn);
    conn.onClose(() => this.connections.delete(conn));
    conn.ready.catch(() => this.connections.delete(conn));
    if (options.role === 'responder') {
      this.pending++;
      const settled = () => void this.pending--;
      conn.ready.then(settled, settled);
    }
    return conn;
  }

  /** The transport's rate-limited log of strangers (created with its first connection). */
  refusals(options: Pick<ResolvedTransportOptions, 'logger' | 'scheduler'>): RateLimitedLog {
    this.log ??= new RateLimitedLog(options.logger, options.scheduler);
    return this.log;
  }

  /** Hands an accepted connection to the handlers once its handshake succeeds. */
  announce(conn: FramedConnection): void {
    conn.ready.then(
      (ready) => {
        if (this.handlers.length === 0) this.waiting.push(ready);
        for (const handler of this.handlers) handler(ready);
      },
      () => undefined, // the connection has logged why; nothing was exposed yet
    );
  }

  onConnection(handler: (conn: Connection) => void): void {
    this.handlers.push(handler);
    const waiting = this.waiting;
    this.waiting = [];
    for (const conn of waiting) if (conn.isOpen) handler(conn);
  }

  /** Closes every open connection gracefully and reports log lines still held back. */
  closeAll(): void {
    for (const conn of this.connections) conn.close();
    this.log?.flush();
  }
}
