/**
 * CRDT replication cost on a formed mesh: one `CrdtStore` per node, a fixed total write rate
 * spread over the nodes (writers rotate), the CRDT bytes each node sends per second while writing
 * and while idle (anti-entropy alone), and the time from the last write until every replica
 * holds the same state.
 */
import { ClusterMessageType } from '@superhero-dispatch/runtime/cluster';
import { awaitConverged } from '@superhero-dispatch/runtime/crdt';
import { startCrdtStore, type CrdtStore } from '@superhero-dispatch/runtime/store';
import { heroRecord, SimRandom } from '@superhero-dispatch/runtime/testing';
import type { MeshMember } from './mesh.ts';
import { sleep, until } from './mesh.ts';

export interface CrdtCost {
  /** CRDT bytes sent per node per second while the cluster writes `writesPerSec`. */
  readonly writingBytesPerSec: number;
  /** CRDT bytes sent per node per second with no writes: anti-entropy only. */
  readonly idleBytesPerSec: number;
  /** From the last write until all replicas hold the same state, ms. */
  readonly convergeMs: number;
  readonly writes: number;
}

export interface CrdtWorkload {
  readonly writesPerSec: number;
  readonly windowMs: number;
  readonly idleMs: number;
  readonly keys: number;
  readonly seed: number;
}

export async function crdtCost(members: readonly MeshMember[], w: CrdtWorkload): Promise<CrdtCost> {
  const n = members.length;
  const stores: CrdtStore[] = [];
  try {
    for (const m of members) stores.push(await startCrdtStore({ node: m.node }));
    await until(
      () => stores.every((s) => s.driver.peers().size === n - 1),
      performance.now(),
      30_000,
      'CRDT stores meeting their peers',
    );
    const rng = new SimRandom(w.seed);
    const tables = stores.map((s) => s.table('heroes'));
    const counters = members.map((m) => m.counter);
    for (const c of counters) c.reset();
    // Writes in 20 ms slots; `due` keeps the rate exact when a slot runs late.
    const t0 = performance.now();
    let writes = 0;
    const failures: unknown[] = [];
    while (performance.now() - t0 < w.windowMs) {
      const due = Math.floor(((performance.now() - t0) / 1000) * w.writesPerSec);
      for (; writes < due; writes++) {
        const key = `hero-${rng.int(0, w.keys)}`;
        const table = tables[writes % n]!;
        table.put(key, heroRecord(rng, key)).catch((err: unknown) => {
          failures.push(err);
        });
      }
      await sleep(20);
    }
    const lastWrite = performance.now();
    const writingSeconds = (lastWrite - t0) / 1000;
    let writingBytes = 0;
    for (const c of counters) writingBytes += c.bytesOf(ClusterMessageType.Crdt);
    await awaitConverged(stores, 60_000, 2);
    if (failures.length > 0) throw new Error(`${failures.length} writes failed`, { cause: failures[0] });
    const convergeMs = performance.now() - lastWrite;
    await sleep(1000); // acks and the last pushes settle
    for (const c of counters) c.reset();
    const i0 = performance.now();
    await sleep(w.idleMs);
    const idleSeconds = (performance.now() - i0) / 1000;
    let idleBytes = 0;
    for (const c of counters) idleBytes += c.bytesOf(ClusterMessageType.Crdt);
    return {
      writingBytesPerSec: writingBytes / n / writingSeconds,
      idleBytesPerSec: idleBytes / n / idleSeconds,
      convergeMs,
      writes,
    };
  } finally {
    for (const s of stores) await s.close();
  }
}
