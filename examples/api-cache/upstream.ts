/**
 * A stand-in for jsonplaceholder.typicode.com: a small HTTP server on loopback serving
 * `GET /todos/:id` (1..200) as `{ userId, id, title, completed }` after a configurable delay, and
 * counting requests per id, so tests can tell a cache hit from a miss by whether the upstream was
 * asked.
 *
 * ```ts
 * const upstream = await startTodoServer({ latencyMs: 50 });
 * await fetch(`${upstream.url}/todos/1`); // { userId: 1, id: 1, title: '…', completed: false }
 * upstream.hits(1);                       // 1
 * await upstream.close();
 * ```
 *
 * The records are a function of the id (the same on every run and every server), so several
 * servers — one per test process — serve identical data. Unknown ids get 404 with `{}`, as the
 * real service does.
 *
 * When not to use: it is a test fixture and a demo prop, not a mock framework.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Todo } from './todo.ts';
import { MAX_ID } from './todo.ts';

export interface TodoServerOptions {
  /** Delay before each answer, ms. Default 20: a fast network API, slow enough that a cache pays. */
  readonly latencyMs?: number;
  /** Interface to bind. Default `127.0.0.1`: a fixture never listens outside the machine. */
  readonly host?: string;
  /** Port. Default 0 (any free port). */
  readonly port?: number;
}

export interface TodoServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Requests served for `id` (every id when omitted). */
  hits(id?: number): number;
  /** Change the delay of later requests, ms. */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

const WORDS = ['delectus', 'aut', 'autem', 'quis', 'ut', 'nam', 'facilis', 'et', 'officia', 'qui'];

/** The todo jsonplaceholder-style data has for `id`: 20 per user, every third one completed. */
export function todoFor(id: number): Todo {
  const title = [0, 1, 2].map((k) => WORDS[(id * 7 + k * 3) % WORDS.length]).join(' ');
  return { userId: Math.ceil(id / 20), id, title, completed: id % 3 === 0 };
}

export async function startTodoServer(options: TodoServerOptions = {}): Promise<TodoServer> {
  let latencyMs = options.latencyMs ?? 20;
  const counts = new Map<number, number>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const server = createServer((req, res) => {
    const match = /^\/todos\/(\d{1,6})$/.exec(req.url ?? '');
    const id = match ? Number(match[1]) : Number.NaN;
    if (req.method !== 'GET' || !match) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    counts.set(id, (counts.get(id) ?? 0) + 1);
    const timer = setTimeout(() => {
      timers.delete(timer);
      const known = id >= 1 && id <= MAX_ID;
      res
        .writeHead(known ? 200 : 404, { 'content-type': 'application/json; charset=utf-8' })
        .end(known ? JSON.stringify(todoFor(id)) : '{}');
    }, latencyMs);
    timers.add(timer);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    hits: (id) =>
      id === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : (counts.get(id) ?? 0),
    setLatency(ms) {
      latencyMs = ms;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
