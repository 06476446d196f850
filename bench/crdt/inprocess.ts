/**
 * Measures on a real three-node mesh in this process (loopback TCP, one CrdtStore per node, each
 * node wrapped in a `CountingNode`): bytes per update per peer, idle anti-entropy bytes, and how
 * long a lost push takes to be repaired.
 */
import type { ClusterNode } from '@superhero-dispatch/runtime/cluster';
import { startNode } from '@superhero-dispatch/runtime/cluster';
import { awaitConverged } from '@superhero-dispatch/runtime/crdt';
import { startCrdtStore, type CrdtStore } from '@superhero-dispatch/runtime/store';
import { heroRecord, SimRandom } from '@superhero-dispatch/runtime/testing';
import { percentile, sortedCopy } from '../lib/stats.ts';
import { CountingNode } from './counting-node.ts';

export interface MeshMember {
  readonly node: ClusterNode;
  readonly counting: CountingNode;
  readonly store: CrdtStore;
}

export interface Mesh {
  readonly members: readonly MeshMember[];
  readonly keys: string[];
  readonly rng: SimRandom;
  close(): Promise<void>;
}

export async function startMesh(size: number, seed: number): Promise<Mesh> {
  const first = await startNode({ name: 'crdt0', cookie: 'bench-crdt-cookie' });
  const rest = await Promise.all(
    Array.from({ length: size - 1 }, (_, i) =>
      startNode({ name: `crdt${i + 1}`, cookie: 'bench-crdt-cookie', seeds: [first.address] }),
    ),
  );
  const members = await Promise.all(
    [first, ...rest].map(async (node) => {
      const counting = new CountingNode(node);
      return { node, counting, store: await startCrdtStore({ node: counting }) };
    }),
  );
  const deadline = Date.now() + 10_000;
  while (!members.every((m) => m.store.driver.peers().size === size - 1)) {
    if (Date.now() > deadline) throw new Error('the bench mesh did not form');
    await sleep(10);
  }
  return {
    members,
    keys: [],
    rng: new SimRandom(seed),
    async close() {
      for (const m of members) {
        await m.store.close();
        await m.node.stop();
      }
    },
  };
}

function uuid(rng: SimRandom): string {
  const hex = (n: number): string =>
    Array.from({ length: n }, () => '0123456789abcdef'[rng.int(0, 16)]).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

/** Adds records (hero-shaped, UUID keys) from rotating writers until the mesh holds `total`. */
export async function fillTo(mesh: Mesh, total: number): Promise<void> {
  const ms = mesh.members;
  while (mesh.keys.length < total) {
    const key = uuid(mesh.rng);
    mesh.keys.push(key);
    await ms[mesh.keys.length % ms.length]!.store.table('heroes').put(key, heroRecord(mesh.rng, key));
    if (mesh.keys.length % 500 === 0) await sleep(5);
  }
  await awaitConverged(
    ms.map((m) => m.store),
    60_000,
  );
  await sleep(1100); // an anti-entropy round on every node: nothing left in flight
}

export interface UpdateCost {
  /** Bytes of pushes per update per receiving peer (frames included). */
  readonly bytesPerUpdatePerPeer: number;
  /** Mean size of the written record as JSON, and of its key. */
  readonly recordJsonBytes: number;
  readonly keyBytes: number;
}

/** `updates` overwrites of random records, `gapMs` apart (no coalescing), from rotating writers. */
export async function updateCost(mesh: Mesh, updates: number, gapMs: number): Promise<UpdateCost> {
  const ms = mesh.members;
  for (const m of ms) m.counting.reset();
  let recordBytes = 0;
  for (let i = 0; i < updates; i++) {
    const key = mesh.rng.pick(mesh.keys);
    const record = heroRecord(mesh.rng, key);
    recordBytes += JSON.stringify(record).length;
    await ms[i % ms.length]!.store.table('heroes').put(key, record);
    await sleep(gapMs);
  }
  await sleep(50);
  let pushBytes = 0;
  for (const m of ms) pushBytes += m.counting.bytes.get('deltas') ?? 0;
  return {
    bytesPerUpdatePerPeer: pushBytes / updates / (ms.length - 1),
    recordJsonBytes: recordBytes / updates,
    keyBytes: 36,
  };
}

/** CRDT bytes per second per node while nothing is written. */
export async function idleBytesPerNode(mesh: Mesh, seconds: number): Promise<number> {
  await sleep(1200);
  for (const m of mesh.members) m.counting.reset();
  await sleep(seconds * 1000);
  let total = 0;
  for (const m of mesh.members) total += m.counting.totalBytes();
  return total / seconds / mesh.members.length;
}

/** Each trial drops one write's push to one peer and times how long until that peer has it. */
export async function lostPushRepair(
  mesh: Mesh,
  trials: number,
): Promise<{ p50: number; max: number; samples: number }> {
  const ms = mesh.members;
  const times: number[] = [];
  for (let i = 0; i < trials; i++) {
    const writer = ms[i % ms.length]!;
    const victim = ms[(i + 1) % ms.length]!;
    let dropped = false;
    writer.counting.drop = (peer, kind) => {
      if (dropped || kind !== 'deltas' || peer !== victim.node.name) return false;
      dropped = true;
      return true;
    };
    const key = `lost-${i}`;
    await sleep(10 + mesh.rng.int(0, 301)); // a random phase of the anti-entropy timers
    await writer.store.table('lost').put(key, { i });
    const t0 = performance.now();
    const table = victim.store.table('lost');
    while ((await table.get(key)) === undefined) {
      if (performance.now() - t0 > 10_000) throw new Error(`lost push ${i} not repaired in 10 s`);
      await sleep(2);
    }
    times.push(performance.now() - t0);
    writer.counting.drop = undefined;
    if (!dropped) throw new Error('the push was not dropped');
  }
  const sorted = sortedCopy(times);
  return { p50: percentile(sorted, 50), max: sorted[sorted.length - 1] ?? Number.NaN, samples: times.length };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
