/**
 * A whole dispatch node: the cluster node, the store chosen by `--store`, the dispatch application,
 * the web server (page, API, metrics, health), the launcher's control channel, and graceful
 * shutdown on SIGTERM / SIGINT (heroes handed off, peers told).
 */
import type { Logger } from 'pino';
import type { ClusterNode } from '@superhero-dispatch/runtime/cluster';
import { discoveryFromSpecs, startNode } from '@superhero-dispatch/runtime/cluster';
import { startDispatchApp } from '../dispatch/app.ts';
import type { DispatchApp } from '../dispatch/app.ts';
import type { NodeAction, SelfAppliedAction } from '../dispatch/node-actions.ts';
import { selfApplied } from '../dispatch/node-actions.ts';
import { DispatchError } from '../dispatch/service.ts';
import { startWebServer } from '../dispatch/web/index.ts';
import type { Store } from '@superhero-dispatch/runtime/store';
import type { NodeCliOptions } from './config.ts';
import type { ControlRequest } from './control.ts';
import { isControlCommand } from './control.ts';
import { cityRestartHook } from './city-fate.ts';
import { createNodeMetrics } from './metrics.ts';
import { openStore } from './store-factory.ts';
import { pollStatus } from '@superhero-dispatch/runtime/store/etcd';
import { networkInterfaces } from 'node:os';
import { chooseAdvertiseHost } from './advertise.ts';
import type { NodeSecurity } from './node-security.ts';

export async function runDispatchNode(
  options: NodeCliOptions,
  logger: Logger,
  security: NodeSecurity,
): Promise<void> {
  const advertised = chooseAdvertiseHost({
    host: options.host,
    advertiseHost: options.advertiseHost,
    interfaces: networkInterfaces(),
  });
  if (advertised.picked)
    logger.info({ advertise: advertised.host }, `bound to ${options.host}: advertising ${advertised.host}`);
  const node = await startNode({
    name: options.name,
    cookie: security.cookie,
    ...(security.tls === undefined ? {} : { tls: security.tls }),
    host: options.host,
    port: options.port,
    advertiseHost: advertised.host,
    seeds: options.seeds,
    discovery: discoveryFromSpecs(
      options.discovery,
      options.dnsServers.length > 0 ? { dnsServers: options.dnsServers } : {},
    ),
    logger,
  });
  node.onNodeUp((peer) => logger.info({ peer }, 'connected'));
  node.onNodeDown((peer, reason) => logger.warn({ peer, reason }, 'disconnected'));
  // Founders: agreed at run time with --expect (raft/formation), else named by the seeds.
  const named =
    options.expect === undefined ? votersOf(options, options.role === 'city' ? node.name : undefined) : [];
  const store: Store = await openStore(options.store, {
    node,
    voters: named,
    dataDir: options.dataDir,
    logger,
    etcd: options,
    // Raft: the member forms the group and admits new nodes as learners by itself.
    admission: {
      expect: options.expect ?? null,
      founder: options.role === 'city',
      named,
      graceMs: options.deadMemberGrace * 1000,
    },
  });
  const backendStatus = store.backendStatus?.bind(store);
  const etcdStatus = backendStatus === undefined ? undefined : pollStatus(backendStatus);
  let partitioned = false;
  const viaLauncher = typeof process.send === 'function';
  // Filled in below; the control channel and hooks created first refer to them.
  const late: { app?: DispatchApp; metrics?: ReturnType<typeof createNodeMetrics> } = {};
  const control = async (target: string, action: NodeAction): Promise<void> => {
    if (viaLauncher) {
      process.send?.({ type: 'node-action', node: target, action } satisfies ControlRequest);
      return;
    }
    if (target !== options.name) {
      throw new DispatchError(
        'unavailable',
        'chaos controls for other nodes need the local launcher (npm start)',
      );
    }
    if (!selfApplied(action))
      throw new DispatchError('unavailable', `${action} needs the local launcher (npm start)`);
    apply(action);
  };
  const apply = (action: SelfAppliedAction): void => {
    if (action === 'partition') {
      partitioned = true;
      node.faults.isolate(node.name);
      logger.warn('partitioned from the cluster');
      late.app?.service.log('warn', `${options.name} is cut off from the cluster`);
    } else if (action === 'heal') {
      partitioned = false;
      node.faults.heal();
      logger.info('partition healed');
      late.app?.service.log('info', `${options.name} reconnects`);
    } else {
      void shutdown('shutdown requested', 0);
    }
  };
  // The page's link to this node: its web host, or the advertised address when the web port is
  // bound to every interface.
  const webHost = ['0.0.0.0', '::'].includes(options.webHost) ? advertised.host : options.webHost;
  const url = `${security.tls === undefined ? 'http' : 'https'}://${webHost.includes(':') ? `[${webHost}]` : webHost}:${options.webPort}`;
  late.app = await startDispatchApp({
    node,
    store,
    storeMode: options.store,
    role: options.role,
    url,
    cities: citiesOf(options),
    ...(store.notReady ? { notReady: store.notReady.bind(store) } : {}),
    ...(store.consensusGroup ? { raftStatus: store.consensusGroup.bind(store) } : {}),
    ...(etcdStatus === undefined ? {} : { etcdStatus: () => etcdStatus.last() }),
    control,
    partitioned: () => partitioned,
    observeWriteMs: (ms) => late.metrics?.storeWriteSeconds.observe(ms / 1000),
    onUnchanged: () => late.metrics?.heroUnchanged.inc(),
    // Stores with transactions (raft, etcd): the heroes' writes of this node share log entries or
    // etcd Txns, within the store's own limits (store/group-commit.ts).
    groupCommit: true,
    // In crdt mode the replica shares the City's fate: it restarts empty and refills from peers.
    onCityRestart: cityRestartHook(store, logger, () => late.metrics?.cityRestarts.inc()),
    onGiveUp: () => {
      logger.fatal('the city supervisor gave up (destroyed too often): stopping this node');
      void shutdown('restart intensity exceeded', 1, false);
    },
  });
  const dispatch = late.app;
  const metrics = createNodeMetrics({
    heroes: () => dispatch.directory.size,
    batches: () => dispatch.groupCommit?.stats.batches ?? 0,
    hosted: () => dispatch.placement.localCount(),
    sweepRepairs: () => dispatch.placement.stats().sweepRepairs,
    peersUp: () => node.nodes().length,
    writable: () => store.writable(),
  });
  late.metrics = metrics;
  const web = await startWebServer(dispatch.service, {
    logger: logger.child({ component: 'http' }),
    metrics: metrics.registry,
    hostedHeroes: () => dispatch.placement.localKeys(),
    host: options.webHost,
    port: options.webPort,
    access: security.web.access,
    chaos: security.web.chaos,
    ...(security.web.https === undefined ? {} : { https: security.web.https }),
    heroCap: { max: security.web.maxHeroes, count: () => dispatch.directory.size },
    limits: { writesPerSecond: options.rateLimit, writeBurst: options.rateBurst },
    ...(options.probePort === undefined ? {} : { probePort: options.probePort }),
  });
  logger.info(
    { node: node.name, url: web.url, probes: web.probeUrl, store: options.store },
    'dispatch node ready',
  );

  let stopping = false;
  async function shutdown(why: string, code: number, handOff = true): Promise<void> {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'shutting down');
    const force = setTimeout(() => process.exit(code || 1), 15_000);
    force.unref();
    try {
      etcdStatus?.stop();
      await web.app.close();
      if (handOff) await dispatch.stop();
      await store.close();
      await (handOff ? node.leave(why) : node.stop());
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
    }
    process.exit(code);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('message', (msg) => {
    if (isControlCommand(msg)) apply(msg.type);
  });
}

/** Cities expected in this cluster (shown while down): the named seeds and this node if a city. */
function citiesOf(options: NodeCliOptions): string[] {
  const named = options.seeds.map((s) => s.name).filter((n): n is string => n !== undefined);
  return [...new Set([...named, ...(options.role === 'city' ? [options.name] : [])])];
}

/**
 * The founding Raft voters named by the seeds (etcd's `--initial-cluster`): every seed given as
 * `name@host:port`, plus this node when it is a city. None when no other node is named: then only
 * `--expect` founds a group (never a group of one by accident). A dispatch-only node is not among
 * them: it joins as a learner once the leader sees it.
 */
function votersOf(options: NodeCliOptions, self: string | undefined): string[] {
  const named = options.seeds
    .filter((s) => s.name !== undefined && s.name !== options.name)
    .map((s) => `${s.name}@${s.host}:${s.port}`);
  if (named.length === 0) return [];
  return [...new Set([...named, ...(self ? [self] : [])])].sort();
}

export type { ClusterNode };
