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
 */
import { FramedConnection } from './framed-connection.ts';
import type { FramedConnectionOptions } from './framed-connection.ts';
import type { Connection } from './types.ts';

export class ConnectionHub {
  private readonly connections = new Set<FramedConnection>();
  private readonly handlers: Array<(conn: Connection) => void> = [];
  private waiting: Connection[] = [];

  /** A new connection over `options.link`, tracked until it closes or its handshake fails. */
  open(options: FramedConnectionOptions): FramedConnection {
    const conn = new FramedConnection(options);
    this.connections.add(conn);
    conn.onClose(() => this.connections.delete(conn));
    conn.ready.catch(() => this.connections.delete(conn));
    return conn;
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

  /** Closes every open connection gracefully. */
  closeAll(): void {
    for (const conn of this.connections) conn.close();
  }
}
