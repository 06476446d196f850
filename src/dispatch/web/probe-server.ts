/**
 * The probe listener: `/livez` and `/readyz` on a port of their own (`--probe-port`), served by a
 * bare `node:http` server with no routing, hooks or plugins, for Kubernetes' kubelet and load
 * balancers.
 *
 * ```ts
 * const probes = await startProbeServer(service, { host: '0.0.0.0', port: 4800 });
 * // kubelet: httpGet { path: /livez, port: 4800 }
 * await probes.close();
 * ```
 *
 * Why a port apart from the page and API: a flood of connections to the web port fills that
 * port's accept queue, and a probe's connection waiting behind it (or dropped and retried by TCP a
 * second later) fails its probe although the node is well, and the node is restarted for nothing.
 * Here a probe only waits for the node's event loop, which is what liveness should measure. The
 * answers are the web server's (`probeAnswer` in `health-routes.ts`), open to anyone: they tell a
 * node's name and whether it is ready, nothing more.
 *
 * Limits: at most `maxConnections` sockets (more are destroyed on arrival by Node), a request
 * must arrive whole within `requestTimeoutMs`, no keep-alive (a probe opens a connection per
 * check). Any other path is 404, any other method 405, in the `{"error":{code,message}}` shape.
 *
 * When not to use: for metrics or state, use the web port (`/metrics`, `/api/cluster`).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ProbeName, ProbeSubject } from './health-routes.ts';
import { probeAnswer } from './health-routes.ts';

export interface ProbeServerOptions {
  /** Interface to bind. The web server's host is the usual choice. */
  readonly host: string;
  /** Port to bind; 0 picks a free one. */
  readonly port: number;
  /** Most open sockets. Default 64: kubelet opens one per probe, a few at a time. */
  readonly maxConnections?: number;
  /** Time to receive a whole request, ms. Default 5,000: a probe's request is one line and a header. */
  readonly requestTimeoutMs?: number;
}

export interface ProbeServer {
  readonly server: Server;
  /** The port bound (useful when `port` was 0). */
  readonly port: number;
  /** Stops listening and closes every socket; resolves when done. */
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    connection: 'close',
    ...headers,
  });
  res.end(text);
}

/** The request handler: exported for tests that drive it without a socket. */
export function probeHandler(service: ProbeSubject): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const probe: ProbeName | undefined =
      path === '/livez' ? 'livez' : path === '/readyz' ? 'readyz' : undefined;
    if (probe === undefined) {
      send(res, 404, {
        error: { code: 'not_found', message: 'this port serves /livez and /readyz only' },
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(
        res,
        405,
        { error: { code: 'method_not_allowed', message: `${probe} answers GET` } },
        { allow: 'GET, HEAD' },
      );
      return;
    }
    const answer = probeAnswer(service, probe);
    send(res, answer.status, answer.body, answer.status === 503 ? { 'retry-after': '1' } : {});
  };
}

export async function startProbeServer(
  service: ProbeSubject,
  options: ProbeServerOptions,
): Promise<ProbeServer> {
  const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      keepAliveTimeout: 0,
      connectionsCheckingInterval: Math.max(100, Math.floor(requestTimeoutMs / 4)),
    },
    probeHandler(service),
  );
  server.maxConnections = options.maxConnections ?? 64;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        server.closeAllConnections();
      }),
  };
}
