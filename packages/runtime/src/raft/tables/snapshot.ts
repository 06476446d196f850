/**
 * The snapshot format of the table machine: everything a replica needs to continue exactly as if it
 * had applied the log up to `lastApplied` — records with their versions and the client sessions.
 *
 * ```ts
 * const bytes = encodeSnapshot({ lastApplied: 9, tables, sessions });
 * const state = decodeSnapshot(bytes); // throws SnapshotFormatError on anything else
 * ```
 *
 * Layout (msgpack): `{ format: 1, lastApplied, tables: [[name, [[key, value, version, createIndex]]]],
 * sessions: [[client, seq, lastSeen, result]] }`. Tables are sorted by code unit; a table's rows
 * keep the table's own order (the order its keys were written in since each last did not exist,
 * as a `Map` keeps them) and decoding restores that order; sessions stay oldest-seen first. That
 * order is a function of the log alone — the same commands applied in the same order, from empty
 * or from a snapshot taken on the way — so replicas at the same applied index write the same
 * bytes, without sorting every table at every snapshot (a sort of 25,000 keys and the lookups
 * after it were a third of a snapshot's cost). `encodeSnapshot(state, 'sorted')` sorts the rows
 * too: equal contents give equal bytes whatever their history (the state hash uses it).
 *
 * A large state takes a while to encode (a few microseconds per record: 25,000 hero records are
 * 60–90 ms). `captureSnapshot` takes what the encoding needs at once (the tables' keys and
 * records, which are frozen and replaced, never changed, and copies of the sessions), so the
 * machine may go on applying; `encodeCaptured` then encodes it in slices of `rowsPerSlice` rows
 * with a turn of the event loop between them (the longest turn ~4 ms), to the same bytes
 * `encodeSnapshot` would have written at the capture.
 *
 * ```ts
 * const captured = captureSnapshot(state);          // synchronous, cheap
 * const bytes = await encodeCaptured(captured);     // = encodeSnapshot(state) at the capture
 * ```
 */
import { packr } from './codec.ts';
import { SnapshotFormatError } from './errors.ts';
import { deepFreeze } from './freeze.ts';
import type { SessionEntry } from './sessions.ts';
import type { ApplyResult, TableRecord } from './types.ts';

/** Bumped on any incompatible change of the layout. */
const FORMAT = 1;

export interface MachineState {
  lastApplied: number;
  tables: Map<string, Map<string, TableRecord>>;
  sessions: SessionEntry[];
}

/** A machine state taken for a later encoding; nothing in it changes when the machine does. */
export interface CapturedState {
  readonly lastApplied: number;
  /** Each table's name, keys and records, in the same order (flat arrays: cheap to take). */
  readonly tables: readonly CapturedTable[];
  readonly sessions: readonly SessionEntry[];
}

interface CapturedTable {
  readonly name: string;
  readonly keys: readonly string[];
  readonly records: readonly TableRecord[];
}

/**
 * Takes `state` as it is now: each table's keys and records (frozen: never changed, only
 * replaced) as two flat arrays, and copies of the sessions. Copying a row map instead cost
 * 10–20 ms at 25,000 rows.
 */
export function captureSnapshot(state: MachineState): CapturedState {
  return {
    lastApplied: state.lastApplied,
    tables: [...state.tables].map(([name, rows]) => ({
      name,
      keys: Array.from(rows.keys()),
      records: Array.from(rows.values()),
    })),
    sessions: state.sessions.map((s) => ({ ...s })),
  };
}

/** Default rows encoded between two turns of the event loop: a few milliseconds of work. */
export const SNAPSHOT_ROWS_PER_SLICE = 256;

const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Encodes a captured state in slices of `rowsPerSlice` rows, yielding the event loop between
 * slices; resolves with exactly the bytes `encodeSnapshot` gives for that state.
 */
export async function encodeCaptured(
  state: CapturedState,
  rowsPerSlice = SNAPSHOT_ROWS_PER_SLICE,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [
    MAP_OF_FOUR,
    packr.pack('format'),
    packr.pack(FORMAT),
    packr.pack('lastApplied'),
    packr.pack(state.lastApplied),
    packr.pack('tables'),
    arrayHeader(state.tables.length),
  ];
  const tables = [...state.tables].sort((a, b) => byCodeUnit(a.name, b.name));
  for (const table of tables) {
    parts.push(arrayHeader(2), packr.pack(table.name), arrayHeader(table.keys.length));
    for (let from = 0; from < table.keys.length; from += rowsPerSlice) {
      await yieldTurn();
      const to = Math.min(from + rowsPerSlice, table.keys.length);
      const slice = new Array<unknown[]>(to - from);
      for (let i = from; i < to; i++) slice[i - from] = rowTuple(table.keys[i]!, table.records[i]!);
      const packed = packr.pack(slice);
      // The slice's own array header goes: its rows continue the table's array.
      parts.push(packed.subarray(arrayHeader(slice.length).length));
    }
  }
  parts.push(packr.pack('sessions'), packr.pack(state.sessions.map(sessionTuple)));
  return Buffer.concat(parts);
}

/**
 * The header msgpackr writes for an object of four keys (the root), taken from msgpackr itself: it
 * writes a map16 header even for small objects, and the bytes must be its bytes exactly.
 */
const MAP_OF_FOUR = ((): Uint8Array => {
  const probe = packr.pack({ a: 0, b: 0, c: 0, d: 0 });
  return probe.slice(0, probe.length - 4 * 3); // each entry: fixstr "x" (2 bytes) and fixint 0
})();

/** The msgpack header of an array of `n` items, in the shortest form (as msgpackr writes it). */
function arrayHeader(n: number): Uint8Array {
  if (n < 16) return Uint8Array.of(0x90 | n);
  if (n < 0x10000) return Uint8Array.of(0xdc, n >> 8, n & 0xff);
  return Uint8Array.of(0xdd, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

/** One row of the layout; both encodings build rows and sessions with these, so they agree. */
function rowTuple(key: string, r: TableRecord): unknown[] {
  return [key, r.value, r.version, r.createIndex];
}

function sessionTuple(s: SessionEntry): unknown[] {
  return [s.client, s.seq, s.lastSeen, s.result];
}

/**
 * Encodes `state` in one go. `rows: 'stored'` (the default) keeps each table's order, as snapshots
 * do; `'sorted'` sorts the keys by code unit, so equal contents give equal bytes whatever order
 * they were written in.
 */
export function encodeSnapshot(state: MachineState, rows: 'stored' | 'sorted' = 'stored'): Uint8Array {
  const tables = [...state.tables.keys()].sort(byCodeUnit).map((name) => {
    const entries = [...(state.tables.get(name) as Map<string, TableRecord>)];
    if (rows === 'sorted') entries.sort(([a], [b]) => byCodeUnit(a, b));
    return [name, entries.map(([key, record]) => rowTuple(key, record))];
  });
  const sessions = state.sessions.map(sessionTuple);
  return packr.pack({ format: FORMAT, lastApplied: state.lastApplied, tables, sessions });
}

export function decodeSnapshot(bytes: Uint8Array): MachineState {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (err) {
    throw new SnapshotFormatError('snapshot is not valid msgpack', { cause: err });
  }
  const root = object(raw, 'snapshot');
  if (root['format'] !== FORMAT)
    throw new SnapshotFormatError(`unsupported snapshot format ${String(root['format'])}`);
  const lastApplied = count(root['lastApplied'], 'lastApplied');
  const tables = new Map<string, Map<string, TableRecord>>();
  for (const t of array(root['tables'], 'tables')) {
    const [name, rows] = tuple(t, 2, 'table');
    const records = new Map<string, TableRecord>();
    for (const row of array(rows, 'rows')) {
      const [key, value, version, createIndex] = tuple(row, 4, 'record');
      const record: TableRecord = {
        value: deepFreeze(value),
        version: count(version, 'version'),
        createIndex: count(createIndex, 'createIndex'),
      };
      records.set(text(key, 'key'), Object.freeze(record));
    }
    tables.set(text(name, 'table name'), records);
  }
  const sessions = array(root['sessions'], 'sessions').map((s): SessionEntry => {
    const [client, seq, lastSeen, result] = tuple(s, 4, 'session');
    const r = object(result, 'session result');
    if (typeof r['ok'] !== 'boolean' || typeof r['index'] !== 'number') {
      throw new SnapshotFormatError('session result is not an apply result');
    }
    return {
      client: text(client, 'client'),
      seq: count(seq, 'seq'),
      lastSeen: count(lastSeen, 'lastSeen'),
      result: deepFreeze(r as unknown as ApplyResult),
    };
  });
  return { lastApplied, tables, sessions };
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function object(raw: unknown, what: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SnapshotFormatError(`snapshot ${what} is not an object`);
  }
  return raw as Record<string, unknown>;
}

function array(raw: unknown, what: string): unknown[] {
  if (!Array.isArray(raw)) throw new SnapshotFormatError(`snapshot ${what} is not an array`);
  return raw;
}

function tuple(raw: unknown, length: number, what: string): unknown[] {
  const a = array(raw, what);
  if (a.length !== length)
    throw new SnapshotFormatError(`snapshot ${what} has ${a.length} fields, not ${length}`);
  return a;
}

function count(raw: unknown, what: string): number {
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) {
    throw new SnapshotFormatError(`snapshot ${what} is not a non-negative integer`);
  }
  return raw;
}

function text(raw: unknown, what: string): string {
  if (typeof raw !== 'string' || raw.length === 0)
    throw new SnapshotFormatError(`snapshot ${what} is not a string`);
  return raw;
}
