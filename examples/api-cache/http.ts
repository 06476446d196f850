/**
 * The cache node's HTTP face (plain `node:http`): `GET /todos/:id` answers through this node's
 * cache (`{ userId, id, title, completed, wasCached }`), `GET /info` with the node's mode, cache size,
 * counters (`size` is null while the store cannot answer) and connected peers. Errors are `{ "error": { "code", "message" } }`:
 * `invalid_id` 400, `not_found` 404, `upstream_timeout` 504, `upstream_failed` 502.
 *
 * ```ts
 * const web = await startCacheHttp(service, { port: 4480 });
 * // curl http://127.0.0.1:4480/todos/1
 * await web.close();
 * ```
 *
 * When not to use: as a public API — it binds loopback by default and has no authentication.
 */
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CacheService } from './service.ts';

export interface CacheHttpOptions {
  /** Port. Default 0 (any free port). */
  readonly port?: number;
  /** Interface. Default `127.0.0.1`: nothing is exposed by accident. */
  readonly host?: string;
}

export interface CacheHttp {
  readonly port: number;
  close(): Promise<void>;
}

const STATUS: Record<string, number> = {
  invalid_id: 400,
  not_found: 404,
  upstream_timeout: 504,
  upstream_failed: 502,
};

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

export async function startCacheHttp(
  service: CacheService,
  options: CacheHttpOptions = {},
): Promise<CacheHttp> {
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    if (req.method !== 'GET') {
      send(res, 405, { error: { code: 'method_not_allowed', message: 'only GET is served' } });
      return;
    }
    const todo = /^\/todos\/([^/?]+)$/.exec(url);
    if (todo) {
      const id = /^\d{1,6}$/.test(todo[1] ?? '') ? Number(todo[1]) : Number.NaN;
      service.cache.fetchTodo(id).then(
        (record) => send(res, 200, record),
        (err: unknown) => {
          const code = String((err as { code?: unknown }).code ?? 'internal');
          send(res, STATUS[code] ?? 500, { error: { code, message: (err as Error).message } });
        },
      );
      return;
    }
    if (url === '/info') {
      // A store without quorum cannot count its entries; the rest of the info still helps then.
      void service.cache.backend
        .size()
        .catch(() => null)
        .then((size) =>
          send(res, 200, {
            node: service.node.name,
            mode: service.mode,
            size,
            ready: service.cache.backend.ready(),
            stats: service.cache.stats(),
            peers: service.node.nodes(),
          }),
        );
      return;
    }
    send(res, 404, { error: { code: 'not_found', message: `no route ${url}` } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
