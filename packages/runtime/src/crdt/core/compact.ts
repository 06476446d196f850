/**
 * Compact wire form of key deltas and snapshot entries: tuples instead of objects, and replica
 * ids written once per message in a table (`reps`) and referred to by index. A put's delta then
 * costs about 60 B plus its key and value in MessagePack, instead of about 150 B with field
 * names and three copies of a 20-character replica id.
 *
 * Example:
 * ```ts
 * const wire = packDeltas(deltas);          // { reps, deltas }
 * unpackDeltas(wire.reps, wire.deltas);     // KeyDelta[] again
 * ```
 *
 * API: `WireEntry`, `WireKeyDelta`, `WireKeyEntries`, `packDeltas`, `unpackDeltas`,
 * `packEntries`, `unpackEntries`, `checkWireDelta`, `checkWireKeyEntries`.
 *
 * `removed` and `ops` are flat lists of `[repIndex, seq]` pairs.
 *
 * When not to use: in-memory code works on `KeyDelta` and `Entry`; only messages use this form.
 */
import type { Entry, KeyDelta } from './entry.ts';
import { isSeq } from './causal-context.ts';
import type { Dot, ReplicaId } from './replica-id.ts';

export type WireEntry<V> = readonly [rep: number, seq: number, ms: number, lc: number, value: V];
export type WireKeyDelta<V> = readonly [
  key: string,
  entries: readonly WireEntry<V>[],
  removed: readonly number[],
  ops: readonly number[],
];
export type WireKeyEntries<V> = readonly [key: string, entries: readonly WireEntry<V>[]];

class RepTable {
  readonly ids: ReplicaId[] = [];
  readonly #index = new Map<ReplicaId, number>();

  of(rep: ReplicaId): number {
    let i = this.#index.get(rep);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(rep);
      this.#index.set(rep, i);
    }
    return i;
  }
}

const packEntry = <V>(e: Entry<V>, t: RepTable): WireEntry<V> => [t.of(e.rep), e.seq, e.ms, e.lc, e.value];
const unpackEntry = <V>(w: WireEntry<V>, reps: readonly ReplicaId[]): Entry<V> => ({
  rep: reps[w[0]] ?? '',
  seq: w[1],
  ms: w[2],
  lc: w[3],
  value: w[4],
});

function packDots(dots: readonly Dot[], t: RepTable): number[] {
  const out: number[] = [];
  for (const [rep, seq] of dots) out.push(t.of(rep), seq);
  return out;
}

function unpackDots(flat: readonly number[], reps: readonly ReplicaId[]): Dot[] {
  const out: Dot[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([reps[flat[i]!] ?? '', flat[i + 1]!]);
  return out;
}

export function packDeltas<V>(deltas: readonly KeyDelta<V>[]): {
  reps: ReplicaId[];
  deltas: WireKeyDelta<V>[];
} {
  const t = new RepTable();
  const packed = deltas.map((d): WireKeyDelta<V> => [
    d.key,
    d.entries.map((e) => packEntry(e, t)),
    packDots(d.removed, t),
    packDots(d.ops, t),
  ]);
  return { reps: t.ids, deltas: packed };
}

export function unpackDeltas<V>(
  reps: readonly ReplicaId[],
  deltas: readonly WireKeyDelta<V>[],
): KeyDelta<V>[] {
  return deltas.map(([key, entries, removed, ops]) => ({
    key,
    entries: entries.map((e) => unpackEntry(e, reps)),
    removed: unpackDots(removed, reps),
    ops: unpackDots(ops, reps),
  }));
}

export function packEntries<V>(pairs: readonly (readonly [string, readonly Entry<V>[]])[]): {
  reps: ReplicaId[];
  entries: WireKeyEntries<V>[];
} {
  const t = new RepTable();
  return {
    reps: t.ids,
    entries: pairs.map(([key, list]): WireKeyEntries<V> => [key, list.map((e) => packEntry(e, t))]),
  };
}

export function unpackEntries<V>(
  reps: readonly ReplicaId[],
  entries: readonly WireKeyEntries<V>[],
): [string, Entry<V>[]][] {
  return entries.map(([key, list]) => [key, list.map((e) => unpackEntry(e, reps))]);
}

/** Shape check of one decoded wire entry list; returns an error text or undefined. */
function checkEntries(value: unknown, reps: number): string | undefined {
  if (!Array.isArray(value)) return 'entries must be an array';
  for (const e of value as unknown[]) {
    if (!Array.isArray(e) || e.length !== 5) return 'entry must be [rep, seq, ms, lc, value]';
    const [rep, seq, ms, lc] = e as unknown[];
    if (!isIndex(rep, reps) || !isSeq(seq)) return 'entry needs a known rep and a seq';
    if (typeof ms !== 'number' || !Number.isFinite(ms)) return 'entry ms must be a number';
    if (!Number.isSafeInteger(lc) || (lc as number) < 0) return 'entry lc must be an integer';
  }
  return undefined;
}

function checkDots(value: unknown, reps: number): string | undefined {
  if (!Array.isArray(value) || value.length % 2 !== 0) return 'dots must be a flat list of pairs';
  for (let i = 0; i < value.length; i += 2) {
    if (!isIndex(value[i], reps) || !isSeq(value[i + 1])) return 'bad dot';
  }
  return undefined;
}

export function checkWireDelta(value: unknown, reps: number): string | undefined {
  if (!Array.isArray(value) || value.length !== 4 || typeof value[0] !== 'string')
    return 'delta must be [key, entries, removed, ops]';
  return checkEntries(value[1], reps) ?? checkDots(value[2], reps) ?? checkDots(value[3], reps);
}

export function checkWireKeyEntries(value: unknown, reps: number): string | undefined {
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string')
    return 'entry list must be [key, entries]';
  return checkEntries(value[1], reps);
}

function isIndex(value: unknown, size: number): boolean {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) < size;
}
