/**
 * Connection caps of a node's web server: how many sockets one client and all clients may hold,
 * counted from the HTTP server's `connection` events (a driver around `ClientCaps`).
 *
 * ```ts
 * const limits = watchConnections(app.server, { perClient: 64, total: 1024, tls: false });
 * app.addHook('onRequest', async (request) => limits.check(request.raw.socket)); // throws 429 / 503
 * ```
 *
 * - A connection beyond a cap is not cut at once: its first request is answered 429
 *   `too_many_connections` (the client's share is used) or 503 `server_busy` (all are), with
 *   `Connection: close`, so the client learns why. Probes (`/livez`, `/readyz`) are answered on any
 *   connection (the server skips `check` for them).
 * - Sockets beyond twice the total (a flood that opens connections and sends nothing) are
 *   destroyed on arrival: memory stays bounded whatever a client does.
 *
 * When not to use: event streams have caps of their own (`events-route.ts`), a stream being far
 * costlier than a request.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { CapVerdict } from './client-caps.ts';
import { ClientCaps } from './client-caps.ts';
import { CapacityError, TooManyError } from './errors.ts';

export interface ConnectionLimits {
  /** Throws the refusal for a request on a connection over a cap. */
  check(socket: Socket): void;
  /** Connections counted now (within the caps). */
  readonly open: number;
}

export function watchConnections(
  server: Pick<Server, 'on'>,
  options: { perClient: number; total: number; tls: boolean },
): ConnectionLimits {
  const caps = new ClientCaps({ perClient: options.perClient, total: options.total });
  const refused = new WeakMap<Socket, Exclude<CapVerdict, 'ok'>>();
  let sockets = 0;
  // One instance of each refusal, thrown again and again (no stack trace per refused request).
  const tooMany = new TooManyError('connections', options.perClient);
  const busy = new CapacityError(
    'server_busy',
    `this node serves ${options.total} connections already; retry shortly`,
  );
  // The hard ceiling counts raw sockets, before any TLS handshake is spent on them.
  server.on('connection', (socket: Socket) => {
    sockets++;
    socket.once('close', () => sockets--);
    if (sockets > 2 * options.total) socket.destroy();
  });
  // The caps count the sockets requests arrive on: the TLS socket under HTTPS, else the raw one.
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    if (socket.destroyed) return;
    const client = socket.remoteAddress ?? '?';
    const verdict = caps.acquire(client);
    if (verdict === 'ok') socket.once('close', () => caps.release(client));
    else refused.set(socket, verdict);
  });
  return {
    check(socket) {
      const verdict = refused.get(socket);
      if (verdict === 'client') throw tooMany;
      if (verdict === 'total') throw busy;
    },
    get open() {
      return caps.open;
    },
  };
}
