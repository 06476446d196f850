/**
 * The split-brain article, replayed: two nodes started apart each run a worker for `entity_1` and
 * set it; then they connect. Run with `node --import tsx examples/entity-workers/demo.ts`
 * (`--store crdt` for a replica per node instead of one shared database; `--store raft` to see a
 * CP store refuse the writes instead, on three nodes).
 */
import { parseArgs } from 'node:util';
import type { ClusterNode } from '@superhero-dispatch/runtime/cluster';
import { startNode } from '@superhero-dispatch/runtime/cluster';
import type { Store } from '@superhero-dispatch/runtime/store';
import { MemoryStore, startCrdtStore, startRaftStore } from '@superhero-dispatch/runtime/store';
import type { Entity, EntityState, EntityWorkers } from './index.ts';
import { startEntityWorkers } from './index.ts';

const { values } = parseArgs({ options: { store: { type: 'string', default: 'memory' } } });
if (values.store !== 'memory' && values.store !== 'raft' && values.store !== 'crdt') {
  console.error('--store is memory (one shared database, as the article), crdt or raft');
  process.exit(2);
}
const raft = values.store === 'raft';
const cookie = 'entity-workers-demo-cookie';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function show(e: Entity): string {
  const history = e.history.map((h) => `${h.state} by ${h.stamp.node.split('@')[0]} (${h.reason})`);
  return `{ id: ${e.id}, state: ${e.state}${history.length ? `, history: [${history.join(', ')}]` : ''} }`;
}

async function step(who: string, what: string, run: () => Promise<Entity>): Promise<void> {
  try {
    console.log(`${who}> ${what}\n  ${show(await run())}`);
  } catch (err) {
    console.log(`${who}> ${what}\n  refused: ${(err as Error).message}`);
  }
}

const names = raft ? ['foo', 'bar', 'baz'] : ['foo', 'bar'];
const nodes: ClusterNode[] = await Promise.all(names.map((name) => startNode({ name, cookie })));
const shared = new MemoryStore();
const stores: Store[] = raft
  ? await Promise.all(nodes.map((node) => startRaftStore({ node, voters: nodes.map((n) => n.name) })))
  : values.store === 'crdt'
    ? await Promise.all(nodes.map((node) => startCrdtStore({ node })))
    : nodes.map(() => shared);
const described = { memory: 'one shared database', crdt: 'a CRDT replica per node', raft: 'raft' }[
  values.store
];
const services: EntityWorkers[] = await Promise.all(
  nodes.map((node, i) => startEntityWorkers({ node, store: stores[i] as Store, idleMs: 1500 })),
);
const [foo, bar] = services as [EntityWorkers, EntityWorkers];
const set = (s: EntityWorkers, state: EntityState) => () => s.setEntityState('entity_1', state);

console.log(`# ${names.join(' and ')} started apart (not connected); store: ${described}\n`);
if (raft) await sleep(1200); // let the stores find out they have no quorum
await step('foo', 'getEntity("entity_1")', () => foo.getEntity('entity_1'));
await sleep(5);
await step('bar', 'getEntity("entity_1")', () => bar.getEntity('entity_1'));
await step('foo', 'setEntityState("entity_1", "working")', set(foo, 'working'));
await sleep(5);
await step('bar', 'setEntityState("entity_1", "finalized")', set(bar, 'finalized'));
await step('foo', 'getEntity("entity_1")', () => foo.getEntity('entity_1'));
await step('bar', 'getEntity("entity_1")', () => bar.getEntity('entity_1'));
console.log(
  `\n  workers: foo ${JSON.stringify(await foo.workers())}, bar ${JSON.stringify(await bar.workers())}`,
);
console.log(
  raft
    ? '  (no quorum on either side: nothing was acknowledged)\n'
    : '  (the split brain of the article: two workers, two answers)\n',
);

console.log('# connecting the nodes');
for (const n of nodes.slice(1)) n.addPeer(nodes[0]!.address);
while (!nodes.every((n) => n.nodes().length === nodes.length - 1)) await sleep(10);
if (raft) while (!stores.every((s) => s.writable())) await sleep(20);
await sleep(200);
if (raft) await step('bar', 'setEntityState("entity_1", "finalized")', set(bar, 'finalized'));
console.log(
  `  workers: foo ${JSON.stringify(await foo.workers())}, bar ${JSON.stringify(await bar.workers())}`,
);
await step('foo', 'getEntity("entity_1")', () => foo.getEntity('entity_1'));
await step('bar', 'getEntity("entity_1")', () => bar.getEntity('entity_1'));
console.log(`  the worker runs on ${foo.whereIs('entity_1') ?? '(none)'}\n`);

console.log('# idle for 2 s: the worker stops and releases its name');
await sleep(2000);
console.log(
  `  workers: foo ${JSON.stringify(await foo.workers())}, bar ${JSON.stringify(await bar.workers())}`,
);
await step('bar', 'getEntity("entity_1")  (a fresh worker reloads the store)', () =>
  bar.getEntity('entity_1'),
);

await Promise.all(services.map((s) => s.stop()));
if (values.store !== 'memory') await Promise.all(stores.map((s) => s.close()));
await Promise.all(nodes.map((n) => n.stop()));
