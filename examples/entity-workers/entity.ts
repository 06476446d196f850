/**
 * The entity and its record: a pure core (no I/O, no clock, no randomness) that the worker actor
 * drives. An entity is `{ id, state }` with `state ∈ initialized | working | finalized`, as in the
 * split-brain article; what the store keeps is its **record**: the latest writes of that entity,
 * each stamped by a hybrid logical clock and naming the write it replaced.
 *
 * ```ts
 * let rec = emptyRecord('entity_1');
 * rec = applyWrite(rec, 'working', { at: 100, seq: 0, node: 'foo' }, 32);   // on one side
 * const other = applyWrite(emptyRecord('entity_1'), 'finalized', { at: 200, seq: 0, node: 'bar' }, 32);
 * const merged = mergeRecords(rec, other, 32);
 * viewOf(merged); // { state: 'finalized', history: [{ state: 'working', reason: 'conflict', … }] }
 * ```
 *
 * Why a set of writes and not one value: when two workers for one entity ran apart (the article's
 * nodes started unconnected), each acknowledged writes the other never saw. `mergeRecords` is the
 * union of both write sets, so it is commutative, associative and idempotent: any order of
 * hand-overs and store merges gives the same record. The **current** state is the write with the
 * greatest stamp; every other write is history. A history entry is `overwritten` when a later write
 * names it as its parent (its writer saw it), and `conflict` when nothing did (it lost to a
 * concurrent write with a greater stamp).
 *
 * "Not lost", precisely: every acknowledged write is, after merging, either the current state or an
 * entry of the history — until `historyLimit` newer writes push it out of the record (the oldest
 * stamps go first; the limit is the caller's, see `EntityWorkersOptions.historyLimit`).
 *
 * Stamps identify writes: a node's clock never repeats a reading within one run, and every write
 * is newer than what its writer saw. Two writes with the same stamp would count as one, which can
 * only happen if a node restarts with its wall clock set back to a time it already wrote at.
 *
 * When not to use: this records concurrent writes, it does not merge their meaning. An entity whose
 * states must combine (counters, sets) wants a CRDT value instead of last-writer-wins plus history.
 */

export const ENTITY_STATES = ['initialized', 'working', 'finalized'] as const;
export type EntityState = (typeof ENTITY_STATES)[number];

export function isEntityState(value: unknown): value is EntityState {
  return typeof value === 'string' && (ENTITY_STATES as readonly string[]).includes(value);
}

/** A hybrid logical clock reading: wall ms, a counter within the ms, and the writing node. */
export interface Stamp {
  readonly at: number;
  readonly seq: number;
  readonly node: string;
}

export interface Write {
  readonly state: EntityState;
  readonly stamp: Stamp;
  /** `writeId` of the write this one replaced; null for the entity's first write. */
  readonly parent: string | null;
}

export interface EntityRecord {
  readonly id: string;
  /** Newest stamp first; at most `historyLimit + 1` writes. */
  readonly writes: readonly Write[];
}

export interface SupersededWrite {
  readonly state: EntityState;
  readonly stamp: Stamp;
  /** `overwritten`: a later write replaced it knowingly; `conflict`: it lost to a concurrent write. */
  readonly reason: 'overwritten' | 'conflict';
}

/** What `getEntity` returns. `updatedAt` is null while the entity has never been written. */
export interface Entity {
  readonly id: string;
  readonly state: EntityState;
  readonly updatedAt: Stamp | null;
  /** Superseded writes, newest first. */
  readonly history: readonly SupersededWrite[];
}

/** The state of an entity nobody has written yet. */
export const INITIAL_STATE: EntityState = 'initialized';

export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
}

export function writeId(w: Write): string {
  return `${w.stamp.at}.${w.stamp.seq}@${w.stamp.node}`;
}

/**
 * The next clock reading after `last` (this node's previous one) and `after` (the newest stamp the
 * writer has seen): the wall clock when it is ahead, otherwise the same ms with a higher counter.
 * Always greater than both, so a write is newer than everything its writer saw.
 */
export function nextStamp(last: Stamp | undefined, now: number, node: string, after?: Stamp): Stamp {
  let base = last;
  if (after && (!base || compareStamps(after, base) > 0)) base = after;
  if (!base || now > base.at) return { at: now, seq: 0, node };
  return { at: base.at, seq: base.seq + 1, node };
}

export function emptyRecord(id: string): EntityRecord {
  return { id, writes: [] };
}

export function currentWrite(record: EntityRecord): Write | undefined {
  return record.writes[0];
}

/** The record after this node wrote `state` at `stamp` (which must be newer than the current write). */
export function applyWrite(
  record: EntityRecord,
  state: EntityState,
  stamp: Stamp,
  historyLimit: number,
): EntityRecord {
  const current = currentWrite(record);
  const write: Write = { state, stamp, parent: current ? writeId(current) : null };
  return normalize(record.id, [write, ...record.writes], historyLimit);
}

/** The union of two records of one entity (commutative, associative, idempotent). */
export function mergeRecords(a: EntityRecord, b: EntityRecord, historyLimit: number): EntityRecord {
  if (a.id !== b.id) throw new RangeError(`cannot merge records of ${a.id} and ${b.id}`);
  return normalize(a.id, [...a.writes, ...b.writes], historyLimit);
}

function normalize(id: string, writes: readonly Write[], historyLimit: number): EntityRecord {
  const byId = new Map<string, Write>();
  for (const w of writes) byId.set(writeId(w), w);
  const sorted = [...byId.values()].sort((x, y) => compareStamps(y.stamp, x.stamp));
  return { id, writes: sorted.slice(0, Math.max(1, historyLimit + 1)) };
}

/** Whether `b` holds writes `a` does not (so `a` must take `b` in). */
export function hasNewWrites(a: EntityRecord, b: EntityRecord): boolean {
  const known = new Set(a.writes.map(writeId));
  return b.writes.some((w) => !known.has(writeId(w)));
}

export function viewOf(record: EntityRecord): Entity {
  const [current, ...rest] = record.writes;
  if (!current) return { id: record.id, state: INITIAL_STATE, updatedAt: null, history: [] };
  const parents = new Set<string>();
  for (const w of record.writes) if (w.parent !== null) parents.add(w.parent);
  return {
    id: record.id,
    state: current.state,
    updatedAt: current.stamp,
    history: rest.map((w) => ({
      state: w.state,
      stamp: w.stamp,
      reason: parents.has(writeId(w)) ? 'overwritten' : 'conflict',
    })),
  };
}

/** A light shape check of a record read from a store (another version of the code may have written it). */
export function isEntityRecord(value: unknown, id: string): value is EntityRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as { id?: unknown; writes?: unknown };
  return r.id === id && Array.isArray(r.writes) && r.writes.every(isWrite);
}

function isWrite(value: unknown): value is Write {
  if (typeof value !== 'object' || value === null) return false;
  const w = value as { state?: unknown; stamp?: unknown; parent?: unknown };
  const s = w.stamp as { at?: unknown; seq?: unknown; node?: unknown } | null | undefined;
  return (
    isEntityState(w.state) &&
    (w.parent === null || typeof w.parent === 'string') &&
    typeof s === 'object' &&
    s !== null &&
    Number.isFinite(s.at) &&
    Number.isInteger(s.seq) &&
    typeof s.node === 'string'
  );
}
