/**
 * Prometheus metrics of a dispatch node: default process metrics (event-loop lag, GC, heap) plus
 * heroes, hosted heroes, placement sweep repairs, node status, city restarts, store write latency,
 * the transactions hero writes were grouped into, and hero steps that needed no write.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LAG_TIMER_OFF_MS, registerEventLoopLag } from './event-loop-lag.ts';

export interface NodeMetrics {
  readonly registry: Registry;
  readonly cityRestarts: Counter;
  readonly storeWriteSeconds: Histogram;
  readonly heroUnchanged: Counter;
}

export function createNodeMetrics(sample: {
  heroes: () => number;
  /** Store transactions the hero writes were grouped into so far (raft mode; 0 otherwise). */
  batches: () => number;
  hosted: () => number;
  /** Keys the placement layer's full sweep found work for (what its events missed; stays 0). */
  sweepRepairs: () => number;
  peersUp: () => number;
  writable: () => boolean;
}): NodeMetrics {
  const registry = new Registry();
  // The lag histogram's timer would wake the process at each sample (every 10 ms by default): its
  // gauges are fed by the runtime's own 50-ms tick instead (event-loop-lag.ts).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: LAG_TIMER_OFF_MS });
  registerEventLoopLag(registry);
  new Gauge({
    name: 'dispatch_heroes',
    help: 'Live heroes known to this node',
    registers: [registry],
    collect() {
      this.set(sample.heroes());
    },
  });
  new Counter({
    name: 'store_write_batches_total',
    help: 'Store transactions the hero writes were grouped into (raft mode): writes / batches = batch size',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sample.batches());
    },
  });
  new Gauge({
    name: 'dispatch_heroes_hosted',
    help: 'Hero actors running on this node',
    registers: [registry],
    collect() {
      this.set(sample.hosted());
    },
  });
  new Counter({
    name: 'placement_sweep_repairs_total',
    help: 'Children the placement full sweep found work for: what the event-driven reconcile missed (should stay 0)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sample.sweepRepairs());
    },
  });
  new Gauge({
    name: 'cluster_peers_up',
    help: 'Connected peer nodes',
    registers: [registry],
    collect() {
      this.set(sample.peersUp());
    },
  });
  new Gauge({
    name: 'store_writable',
    help: '1 when this node can write (Raft: quorum reachable)',
    registers: [registry],
    collect() {
      this.set(sample.writable() ? 1 : 0);
    },
  });
  const cityRestarts = new Counter({
    name: 'actor_restarts_total',
    help: 'City actor restarts by its supervisor',
    registers: [registry],
  });
  const storeWriteSeconds = new Histogram({
    name: 'store_write_seconds',
    help: 'Latency of hero writes to the store (commit latency in raft mode)',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  const heroUnchanged = new Counter({
    name: 'dispatch_hero_unchanged_total',
    help: 'Hero steps (loop, patrol, villain) that changed nothing but the time and were not written',
    registers: [registry],
  });
  return { registry, cityRestarts, storeWriteSeconds, heroUnchanged };
}
