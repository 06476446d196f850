/**
 * One Raft store member as an OS process, for the multi-process tests and the benchmark: a cluster
 * node plus a `RaftStore` with a durable data directory, and a small HTTP/JSON API on loopback.
 *
 * Usage:
 * ```sh
 * node --import tsx test/raft-driver/member-proc.ts --name gotham --port 7001 --web-port 8001 \
 *   --seeds 127.0.0.1:7002,127.0.0.1:7003 --voters gotham@127.0.0.1:7001,… --data /tmp/gotham
 * ```
 * It prints one JSON line `{"ready":true,"name":…}` once the store is started. `--fsync false` and
 * `--log-writes inline|threadpool` select the other storage settings (defaults: fsync on, the
 * driver's default log writes, checked by the driver);
 * `--election-ticks N` sets the driver's election timeout in 50 ms ticks (default the driver's).
 *
 * API (JSON bodies; errors are `{"error":{"code","message"}}` with 409 conflict, 503 no_quorum or
 * unavailable, 504 timeout, 400 invalid):
 * - `PUT /kv/:table/:key[?expect=N]` body = value → `{"version"}`
 * - `GET /kv/:table/:key[?stale=1]` → `{"value","version"}` or 404
 * - `GET /status` → the store's status
 * - `GET /watch/:table` → server-sent events, one `data: {"key","version","index","at"}` per change
 *   (`at`: epoch milliseconds with microseconds, taken when the change was applied here)
 * - `POST /load/put?n=&concurrency=&size=` and `POST /load/get?n=&concurrency=` → run that load on
 *   this member through the embedded API and return `{"n","ms"}` (the in-process figures)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { tuneV8ForServer } from '../../packages/runtime/src/cluster/v8-tuning.ts';
import { startRaftStore } from '../../packages/runtime/src/store/raft-store.ts';
import { StoreError } from '../../packages/runtime/src/store/types.ts';
import type { DriverLogWrites } from '../../packages/runtime/src/raft/driver/options.ts';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    port: { type: 'string' },
    'web-port': { type: 'string' },
    seeds: { type: 'string', default: '' },
    voters: { type: 'string' },
    data: { type: 'string' },
    fsync: { type: 'string', default: 'true' },
    'log-writes': { type: 'string' },
    'election-ticks': { type: 'string' },
    cookie: { type: 'string', default: 'raft-member-cookie' },
    'log-level': { type: 'string', default: 'warn' },
  },
});

// A member is a server, run as the CLI's nodes are (packages/runtime/src/cluster/v8-tuning.ts).
tuneV8ForServer();
const logger = pino({ level: values['log-level'] ?? 'warn' }, pino.destination(2));
const seeds = (values.seeds ?? '')
  .split(',')
  .filter((s) => s.length > 0)
  .map((s) => {
    const [host, port] = s.split(':');
    return { host: host!, port: Number(port) };
  });
const node = await startNode({
  name: values.name!,
  cookie: values.cookie!,
  port: Number(values.port),
  seeds,
  logger,
});
const store = await startRaftStore({
  node,
  voters: values.voters!.split(','),
  dataDir: values.data!,
  fsync: values.fsync !== 'false',
  ...(values['log-writes'] === undefined ? {} : { logWrites: values['log-writes'] as DriverLogWrites }),
  ...(values['election-ticks'] === undefined ? {} : { electionTicks: Number(values['election-ticks']) }),
  logger,
});

const STATUS: Record<string, number> = {
  conflict: 409,
  no_quorum: 503,
  unavailable: 503,
  timeout: 504,
  invalid: 400,
};
const clockOrigin = performance.timeOrigin;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function fail(res: ServerResponse, err: unknown): void {
  const code = err instanceof StoreError ? err.code : err instanceof SyntaxError ? 'invalid' : 'unavailable';
  send(res, STATUS[code] ?? 500, {
    error: { code, message: err instanceof Error ? err.message : String(err) },
  });
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

async function load(kind: 'put' | 'get', n: number, concurrency: number, size: number): Promise<number> {
  const t = store.table<string>('load');
  const value = 'v'.repeat(size);
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const key = `k${String(i % 100_000).padStart(8, '0')}`;
        if (kind === 'put') await t.put(key, value);
        else await t.get(key);
      }
    }),
  );
  return performance.now() - start;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const parts = url.pathname
    .split('/')
    .filter((p) => p.length > 0)
    .map(decodeURIComponent);
  if (parts[0] === 'kv' && parts.length === 3) {
    const table = store.table(parts[1]!);
    if (req.method === 'PUT') {
      const value = JSON.parse(await body(req)) as unknown;
      const expect = url.searchParams.get('expect');
      const version = await table.put(
        parts[2]!,
        value,
        expect === null ? {} : { expectVersion: Number(expect) },
      );
      return send(res, 200, { version });
    }
    const got = await table.get(parts[2]!, { stale: url.searchParams.get('stale') === '1' });
    return got === undefined
      ? send(res, 404, { error: { code: 'not_found', message: 'no such key' } })
      : send(res, 200, { value: got.value, version: got.version });
  }
  if (parts[0] === 'status') {
    return send(res, 200, {
      ...store.status(),
      name: node.name,
      writable: store.writable(),
      pid: process.pid,
    });
  }
  if (parts[0] === 'watch' && parts.length === 2) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(': watching\n\n');
    const off = store.table(parts[1]!).subscribeFrom(store.appliedIndex, (c) => {
      const at = clockOrigin + performance.now();
      res.write(`data: ${JSON.stringify({ key: c.key, version: c.version, index: c.index, at })}\n\n`);
    });
    req.on('close', off);
    return;
  }
  if (parts[0] === 'load' && req.method === 'POST' && (parts[1] === 'put' || parts[1] === 'get')) {
    const n = Number(url.searchParams.get('n') ?? '10000');
    const concurrency = Number(url.searchParams.get('concurrency') ?? '64');
    const size = Number(url.searchParams.get('size') ?? '256');
    const ms = await load(parts[1], n, concurrency, size);
    return send(res, 200, { n, ms });
  }
  send(res, 404, { error: { code: 'not_found', message: `no route ${req.method ?? ''} ${url.pathname}` } });
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => fail(res, err));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values['web-port']), '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, name: node.name, pid: process.pid }));
});

async function shutdown(): Promise<void> {
  server.close();
  await store.close();
  await node.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
