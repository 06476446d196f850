/**
 * A node process for bench/crdt: one cluster node with either the delta-state store (`delta`) or
 * the seeds' replication (`baseline`: a City's whole-map LWW replica; the first process also runs
 * the dispatcher's gossip, one random pair per second). Driven by the bench over IPC.
 *
 * Arguments: `mode name port seeds` (seeds `host:port,…`; the first seed is the dispatcher).
 * Requests: `{ id, op: 'put', key, value }` → `{ id, t }` (monotonic ms when the write was applied
 * locally), `{ id, op: 'peers' }` → `{ id, peers }`. Events: `{ seen: key, t }` when a key written
 * elsewhere first becomes visible here. `t` is `process.hrtime` (CLOCK_MONOTONIC), which every
 * process on one Linux machine shares, so the bench can subtract times of different processes.
 */
import { startNode, ClusterMessageType } from '@superhero-dispatch/runtime/cluster';
import { BaselineDispatcher, BaselineReplica, type BaselineMessage } from '@superhero-dispatch/runtime/crdt';
import { startCrdtStore } from '@superhero-dispatch/runtime/store';
import { benchNodeLogger } from '../lib/node-logger.ts';

const [mode = 'delta', name = 'n', port = '0', seeds = ''] = process.argv.slice(2);
const seedList = seeds
  .split(',')
  .filter((s) => s !== '')
  .map((s) => ({ host: s.split(':')[0] ?? '127.0.0.1', port: Number(s.split(':')[1]) }));
const node = await startNode({
  name,
  cookie: 'bench-crdt-cookie',
  logger: benchNodeLogger,
  port: Number(port),
  seeds: seedList.filter((s) => s.port !== Number(port)),
});
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const report = (key: string): void => void process.send?.({ seen: key, t: nowMs() });

let put: (key: string, value: unknown) => void;
let peers: () => number;

if (mode === 'delta') {
  const store = await startCrdtStore({ node });
  const table = store.table('bench');
  table.subscribe((c) => {
    if (c.origin !== node.name && c.value !== undefined) report(c.key);
  });
  put = (key, value) => void table.put(key, value);
  peers = () => store.driver.peers().size;
} else {
  // The seeds' shape: whole-state messages; `to` says whether the replica or the dispatcher reads it.
  type Envelope = { readonly to: 'replica' | 'dispatcher'; readonly m: BaselineMessage<unknown> };
  const replica = new BaselineReplica<unknown>(node.name);
  const isDispatcher = seedList[0]?.port === Number(port);
  const dispatcher = isDispatcher ? new BaselineDispatcher<unknown>(node.name) : undefined;
  const seen = new Set<string>();
  const send = (to: string, env: Envelope): void => {
    if (to === node.name) deliver(node.name, env);
    else node.sendTo(to, ClusterMessageType.Crdt, env);
  };
  const deliver = (from: string, env: Envelope): void => {
    if (env.to === 'dispatcher') {
      for (const e of dispatcher?.step({ type: 'receive', from, message: env.m }) ?? [])
        send(e.to, { to: 'replica', m: e.message });
      return;
    }
    for (const e of replica.step({ type: 'receive', from, message: env.m }))
      send(e.to, { to: 'dispatcher', m: e.message });
    if (env.m.type === 'baselineState') {
      for (const [key] of replica.map.entries()) {
        if (seen.has(key)) continue;
        seen.add(key);
        report(key);
      }
    }
  };
  node.handle(ClusterMessageType.Crdt, (from, payload) => deliver(from, payload as Envelope));
  if (dispatcher !== undefined) {
    dispatcher.step({ type: 'peerUp', peer: node.name });
    node.onNodeUp((peer) => dispatcher.step({ type: 'peerUp', peer }));
    node.onNodeDown((peer) => dispatcher.step({ type: 'peerDown', peer }));
    setInterval(() => {
      for (const e of dispatcher.step({ type: 'tick', nowMs: Date.now(), random: Math.random() }))
        send(e.to, { to: 'replica', m: e.message });
    }, 50);
  }
  put = (key, value) => {
    seen.add(key);
    replica.step({ type: 'put', key, value, nowMs: Date.now() });
  };
  peers = () => node.nodes().length;
}

process.on('message', (r: { id: number; op: string; key?: string; value?: unknown }) => {
  if (r.op === 'put') {
    put(r.key ?? '', r.value);
    process.send?.({ id: r.id, t: nowMs() });
  } else if (r.op === 'peers') {
    process.send?.({ id: r.id, peers: peers() });
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true, name: node.name });
