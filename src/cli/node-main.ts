/**
 * One node process: joins the cluster, serves its HTTP endpoints, obeys the launcher's control
 * channel, and shuts down gracefully on SIGTERM / SIGINT.
 */
import Fastify from 'fastify';
import pino from 'pino';
import { startNode } from '../cluster/node.ts';
import type { ClusterNode } from '../cluster/node.ts';
import { shortName } from '../cluster/protocol.ts';
import { CITY_NAMES } from '../dispatch/model.ts';
import type { NodeCliOptions } from './config.ts';
import { CLUSTER_BASE_PORT, WEB_BASE_PORT } from './config.ts';
import { isControlCommand } from './control.ts';

export async function runNode(options: NodeCliOptions): Promise<void> {
  const logger = pino({ level: options.logLevel, base: { node: options.name } });
  const node = await startNode({
    name: options.name,
    cookie: options.cookie,
    host: options.host,
    port: options.port,
    seeds: options.seeds,
    logger,
  });
  logger.info({ name: node.name, web: `http://${options.host}:${options.webPort}` }, 'node started');
  node.onNodeUp((peer) => logger.info({ peer }, 'connected'));
  node.onNodeDown((peer, reason) => logger.warn({ peer, reason }, 'disconnected'));

  const web = Fastify({ loggerInstance: logger.child({ component: 'http' }), forceCloseConnections: true });
  web.get('/livez', () => ({ status: 'ok' }));
  web.get('/readyz', () => ({ status: 'ready' }));
  web.get('/api/cluster', () => clusterView(node, options));
  await web.listen({ host: options.host, port: options.webPort });

  let stopping = false;
  const shutdown = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'shutting down gracefully');
    await web.close();
    await node.leave(why);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('message', (msg) => {
    if (!isControlCommand(msg)) return;
    if (msg.type === 'partition') {
      node.faults.isolate(node.name);
      logger.warn('partitioned from the cluster');
    } else if (msg.type === 'heal') {
      node.faults.heal();
      logger.info('partition healed');
    } else if (msg.type === 'shutdown') {
      void shutdown('shutdown requested');
    }
  });
}

function clusterView(node: ClusterNode, options: NodeCliOptions): unknown {
  const connected = new Set(node.nodes().map(shortName));
  const names = new Set<string>([node.shortName, ...connected, ...CITY_NAMES.slice(0, 3)]);
  return {
    self: node.shortName,
    storeMode: options.store,
    nodes: [...names].map((n) => {
      const index = CITY_NAMES.indexOf(n as (typeof CITY_NAMES)[number]);
      return {
        name: n,
        role: 'city',
        status: n === node.shortName || connected.has(n) ? 'up' : 'down',
        url: index >= 0 ? `http://${options.host}:${WEB_BASE_PORT + index}` : '',
        clusterPort: index >= 0 ? CLUSTER_BASE_PORT + index : undefined,
      };
    }),
  };
}
