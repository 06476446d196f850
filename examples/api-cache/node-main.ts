/**
 * One cache node as an OS process: a cluster node (static seed list and, optionally, DNS or UDP
 * gossip discovery), the cache service with the chosen store, and its HTTP face.
 *
 * ```sh
 * node --import tsx examples/api-cache/node-main.ts --name a --port 4470 --http-port 4480 \
 *   --seeds 127.0.0.1:4471,127.0.0.1:4472 --store disk --data-dir data/api-cache/a \
 *   --upstream https://jsonplaceholder.typicode.com
 * curl http://127.0.0.1:4480/todos/1   # …"wasCached":false   (again: true)
 * ```
 *
 * Flags (validated here, once): `--name` (required), `--host` (127.0.0.1), `--port` (0: any),
 * `--http-port` (0: any), `--seeds host:port,…`, `--discovery` (`static`, `dns:<name>[:srv]`,
 * `gossip[:<port>[:<address>]]`), `--store process|memory|disk|crdt|raft` (memory), `--data-dir`
 * (required for disk; the Raft log for raft), `--voters name@host:port,…` (required for raft; also
 * dialled as seeds), `--upstream <url>` (required), `--cookie` (else `$API_CACHE_COOKIE`, else a
 * development cookie), `--log-level` (warn).
 *
 * Prints one JSON line `{"event":"ready","node":…,"httpPort":…}` on stdout once it serves. SIGTERM
 * or SIGINT: stop serving, leave the cluster gracefully, exit 0.
 */
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import type { DiscoverySource, PeerAddress } from '@superhero-dispatch/runtime/cluster';
import {
  parseCandidate,
  discoveryFromSpecs,
  parseDiscoverySpecs,
  startNode,
} from '@superhero-dispatch/runtime/cluster';
import { CACHE_MODES, isCacheMode } from './backend.ts';
import { startCacheHttp } from './http.ts';
import { startCacheService } from './service.ts';

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function addresses(text: string): PeerAddress[] {
  try {
    return list(text).map((s) => {
      const { host, port } = parseCandidate(s);
      return { host, port };
    });
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is 0-65535');
  return n;
}

const program = new Command('api-cache-node')
  .requiredOption('--name <name>', 'short node name')
  .option('--host <host>', 'cluster interface', '127.0.0.1')
  .option('--port <port>', 'cluster port', port, 0)
  .option('--http-port <port>', 'HTTP port', port, 0)
  .option('--seeds <list>', 'host:port of other nodes', addresses, [])
  .option('--discovery <specs>', 'static, dns:<name>[:srv], gossip[:<port>[:<address>]]', 'static')
  .option('--store <mode>', `one of ${CACHE_MODES.join(', ')}`, 'memory')
  .option('--data-dir <dir>', 'disk store / Raft log / CRDT replica directory')
  .option('--voters <list>', 'Raft founding voters, name@host:port', list, [])
  .requiredOption('--upstream <url>', 'base URL of the todos API')
  .option('--cookie <secret>', 'cluster cookie')
  .option('--log-level <level>', 'pino level', 'warn');
program.parse();
const o = program.opts<{
  name: string;
  host: string;
  port: number;
  httpPort: number;
  seeds: PeerAddress[];
  discovery: string;
  store: string;
  dataDir?: string;
  voters: string[];
  upstream: string;
  cookie?: string;
  logLevel: string;
}>();
function fail(message: string): never {
  return program.error(message);
}
const mode = o.store;
if (!isCacheMode(mode)) fail(`--store must be one of ${CACHE_MODES.join(', ')}`);
let discovery: DiscoverySource[];
try {
  discovery = discoveryFromSpecs(parseDiscoverySpecs(o.discovery), { gossipIntervalMs: 500 });
} catch (err) {
  fail((err as Error).message);
}

const logger = pino({ level: o.logLevel, base: { node: o.name } });
const node = await startNode({
  name: o.name,
  cookie: o.cookie ?? process.env.API_CACHE_COOKIE ?? 'api-cache-dev-cookie',
  host: o.host,
  port: o.port,
  seeds: [...o.seeds, ...addresses(o.voters.join(','))],
  discovery,
  logger,
});
const seeded = o.seeds.length + o.voters.length > 0;
const service = await startCacheService({
  node,
  mode,
  upstream: o.upstream,
  voters: o.voters,
  // A crdt node with peers to ask starts warm: it waits (up to 2 s) for one peer's copy.
  ...(mode === 'crdt' && seeded ? { awaitRefillMs: 2000 } : {}),
  ...(o.dataDir ? { dataDir: o.dataDir } : {}),
  logger,
});
const web = await startCacheHttp(service, { port: o.httpPort });
process.stdout.write(`${JSON.stringify({ event: 'ready', node: node.name, httpPort: web.port })}\n`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await web.close();
  await service.stop();
  await node.leave('shutdown');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
