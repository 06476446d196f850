/**
 * The seeds' baseline measured directly where it needs no network: the size of one gossip message
 * (the whole map), what that costs per update and per idle second, the time to merge one, and its
 * heap after many overwrites.
 *
 * Traffic model (the seeds' gossip, `packages/runtime/src/crdt/baseline/gossip.ts`): once a second the dispatcher
 * asks one random replica for its whole map and forwards it to another, so the whole map crosses
 * the wire twice per second for the whole cluster, whatever is written.
 */
import { BaselineMap, type BaselineData } from '@superhero-dispatch/runtime/crdt';
import { heroRecord, SimRandom } from '@superhero-dispatch/runtime/testing';
import { decodePayload, encodePayload, FRAME_HEADER_BYTES } from '@superhero-dispatch/runtime/wire';
import { median, nowNs } from '../lib/stats.ts';
import { settledHeap } from './heap.ts';

function filled(records: number, seed: number): BaselineMap<unknown> {
  const rng = new SimRandom(seed);
  const map = new BaselineMap<unknown>();
  for (let i = 0; i < records; i++) {
    const key = `${rng.int(0, 0x100000000).toString(16).padStart(8, '0')}-0000-4000-a000-${String(i).padStart(12, '0')}`;
    map.put(key, heroRecord(rng, key), 1_732_242_342_000 + i);
  }
  return map;
}

/** Bytes on the wire of one whole-map gossip message (frame included). */
export function gossipBytes(records: number, seed: number): number {
  const data = filled(records, seed).toData();
  return encodePayload({ to: 'replica', m: { type: 'baselineState', data } }).length + FRAME_HEADER_BYTES;
}

/** Per update per receiving peer, at `updatesPerSecond`, on `replicas` replicas. */
export function baselineBytesPerUpdatePerPeer(
  gossip: number,
  updatesPerSecond: number,
  replicas: number,
): number {
  return (2 * gossip) / updatesPerSecond / (replicas - 1);
}

/** Per node per second when nothing is written. */
export function baselineIdleBytesPerNode(gossip: number, replicas: number): number {
  return (2 * gossip) / replicas;
}

/** Median time to decode and merge one gossip message of `records` records into a replica, µs. */
export function baselineMergeUs(records: number, seed: number, runs: number): number {
  const local = filled(records, seed);
  const bytes = encodePayload({ type: 'baselineState', data: filled(records, seed).toData() });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = nowNs();
    const message = decodePayload(bytes) as { data: BaselineData<unknown> };
    local.merge(message.data);
    times.push(nowNs() - t0);
  }
  return median(times) / 1000;
}

/** Heap held by the map after `overwrites` overwrites of `keys` keys, over its heap after the first `keys`. */
export async function baselineHeapRatio(
  keys: number,
  overwrites: number,
  seed: number,
): Promise<{ ratio: number; after: number }> {
  const rng = new SimRandom(seed);
  const records = Array.from({ length: 64 }, (_, i) => heroRecord(rng, `k${i}`));
  const warm = new BaselineMap<unknown>();
  for (let i = 0; i < 50_000; i++) warm.put(`k${i % keys}`, { ...records[i % 64] }, 1_732_242_342_000 + i);
  const h0 = await settledHeap();
  const map = new BaselineMap<unknown>();
  for (let i = 0; i < keys; i++) map.put(`k${i}`, { ...records[i % 64] }, 1_732_242_342_000);
  const h1 = await settledHeap();
  for (let i = 0; i < overwrites; i++) map.put(`k${i % keys}`, { ...records[i % 64] }, 1_732_242_342_000 + i);
  const h2 = await settledHeap();
  if (map.size !== keys || warm.size !== keys) throw new Error('baseline map lost keys');
  return { ratio: (h2 - h0) / (h1 - h0), after: h2 - h0 };
}
