/**
 * The cost of durable replicas and of the write concern, next to the in-memory store of before,
 * in one run: a 3-node mesh over loopback TCP in this process, one `CrdtStore` per node, run once
 * per configuration:
 *
 * - `memory, w=1, no acks (before)`: no storage, a write answered at once, pushes not acked (the
 *   store before durability and the write concern);
 * - `memory, w=2`: no storage, a write answered once a peer acked it;
 * - `disk interval, w=2`: `FileCrdtStorage` with the default fsync every 100 ms (the default);
 * - `disk always, w=2`: `FileCrdtStorage` fsyncing every step before its messages go out.
 *
 * At 1k and then 10k records (hero-shaped, UUID keys), `updates` overwrites of random records,
 * `gapMs` apart, from rotating writers. Per update: bytes written to disk and fsyncs, per replica
 * (every update is written on each of the 3); ack bytes per peer; the write's latency (the `put`
 * promise, which includes the write concern) p50/p99; the convergence time (until both other
 * replicas' change feeds report it) p50/p99. All in one process, so the times share one clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode } from '@superhero-dispatch/runtime/cluster';
import {
  awaitConverged,
  FileCrdtStorage,
  type CrdtStorage,
  type FsyncPolicy,
} from '@superhero-dispatch/runtime/crdt';
import { startCrdtStore, type CrdtStore } from '@superhero-dispatch/runtime/store';
import { heroRecord, SimRandom } from '@superhero-dispatch/runtime/testing';
import { percentile, sortedCopy } from '../lib/stats.ts';
import { CountingNode } from './counting-node.ts';
import { sleep } from './inprocess.ts';

export interface DurableConfig {
  readonly label: string;
  readonly fsync: FsyncPolicy | 'none';
  readonly w: number;
}

export const DURABLE_CONFIGS: readonly DurableConfig[] = [
  { label: 'memory, w=1, no acks (before)', fsync: 'none', w: 1 },
  { label: 'memory, w=2', fsync: 'none', w: 2 },
  { label: 'disk interval, w=2', fsync: 'interval', w: 2 },
  { label: 'disk always, w=2', fsync: 'always', w: 2 },
];

export interface DurableCost {
  readonly records: number;
  readonly updates: number;
  readonly diskBytesPerUpdate: number;
  readonly fsyncsPerUpdate: number;
  readonly ackBytesPerUpdatePerPeer: number;
  readonly writeP50: number;
  readonly writeP99: number;
  readonly convergeP50: number;
  readonly convergeP99: number;
}

interface Member {
  readonly counting: CountingNode;
  readonly store: CrdtStore;
  readonly storage: CrdtStorage | undefined;
  readonly stop: () => Promise<void>;
}

function uuid(rng: SimRandom): string {
  const hex = (n: number): string =>
    Array.from({ length: n }, () => '0123456789abcdef'[rng.int(0, 16)]).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

/** Runs one configuration at each size in `sizes` (ascending), on one mesh. */
export async function durableCost(
  config: DurableConfig,
  sizes: readonly number[],
  updates: number,
  gapMs: number,
  seed: number,
): Promise<DurableCost[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-crdt-durable-'));
  const first = await startNode({ name: 'dur0', cookie: 'bench-crdt-durable' });
  const rest = await Promise.all(
    [1, 2].map((i) => startNode({ name: `dur${i}`, cookie: 'bench-crdt-durable', seeds: [first.address] })),
  );
  const members: Member[] = await Promise.all(
    [first, ...rest].map(async (node) => {
      const counting = new CountingNode(node);
      const storage =
        config.fsync === 'none'
          ? undefined
          : FileCrdtStorage.open(join(dir, node.shortName), { fsync: config.fsync });
      const store = await startCrdtStore({
        node: counting,
        writeConcern: { w: config.w },
        acks: config.w > 1,
        ...(storage === undefined ? {} : { storage }),
      });
      return {
        counting,
        store,
        storage,
        stop: async () => {
          await store.close();
          await node.stop();
        },
      };
    }),
  );
  try {
    const deadline = Date.now() + 10_000;
    while (!members.every((m) => m.store.driver.peers().size === 2)) {
      if (Date.now() > deadline) throw new Error('the bench mesh did not form');
      await sleep(10);
    }
    const rng = new SimRandom(seed);
    const keys: string[] = [];
    const out: DurableCost[] = [];
    for (const records of sizes) {
      // Fill in batches of 100 concurrent writes from rotating writers.
      while (keys.length < records) {
        const batch: Promise<number>[] = [];
        for (let i = 0; i < 100 && keys.length < records; i++) {
          const key = uuid(rng);
          keys.push(key);
          batch.push(members[keys.length % 3]!.store.table('heroes').put(key, heroRecord(rng, key)));
        }
        await Promise.all(batch);
      }
      await awaitConverged(
        members.map((m) => m.store),
        60_000,
      );
      await sleep(300); // the interval fsync of the fill, out of the way
      out.push(await measure(members, keys, rng, records, updates, gapMs));
    }
    return out;
  } finally {
    for (const m of members) await m.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(
  members: readonly Member[],
  keys: readonly string[],
  rng: SimRandom,
  records: number,
  updates: number,
  gapMs: number,
): Promise<DurableCost> {
  const before = members.map((m) => m.storage?.stats());
  for (const m of members) m.counting.reset();
  const arrivals = new Map<number, { t0: number; left: number; done: number }>();
  const offs = members.map((m, who) =>
    m.store.table<{ n?: number }>('heroes').subscribe((c) => {
      const n = c.value?.n;
      if (n === undefined) return;
      const a = arrivals.get(n);
      if (a === undefined || n % 3 === who || a.left === 0) return; // the writer's own feed, or late
      if (--a.left === 0) a.done = performance.now();
    }),
  );
  const writes: number[] = [];
  for (let i = 0; i < updates; i++) {
    const key = rng.pick(keys);
    const record = { ...heroRecord(rng, key), n: i };
    const t0 = performance.now();
    arrivals.set(i, { t0, left: 2, done: Number.NaN });
    await members[i % 3]!.store.table('heroes').put(key, record);
    writes.push(performance.now() - t0);
    await sleep(gapMs);
  }
  await sleep(300);
  for (const off of offs) off();
  const converge = [...arrivals.values()].filter((a) => a.left === 0).map((a) => a.done - a.t0);
  let bytes = 0;
  let fsyncs = 0;
  members.forEach((m, i) => {
    const s = m.storage?.stats();
    const b = before[i];
    if (s === undefined || b === undefined) return;
    bytes += s.bytes - b.bytes;
    fsyncs += s.fsyncs - b.fsyncs;
  });
  let ackBytes = 0;
  for (const m of members) ackBytes += m.counting.bytes.get('ack') ?? 0;
  const w = sortedCopy(writes);
  const c = sortedCopy(converge);
  return {
    records,
    updates,
    diskBytesPerUpdate: bytes / updates / members.length,
    fsyncsPerUpdate: fsyncs / updates / members.length,
    ackBytesPerUpdatePerPeer: ackBytes / updates / (members.length - 1),
    writeP50: percentile(w, 50),
    writeP99: percentile(w, 99),
    convergeP50: converge.length === updates ? percentile(c, 50) : Number.NaN,
    convergeP99: converge.length === updates ? percentile(c, 99) : Number.NaN,
  };
}
