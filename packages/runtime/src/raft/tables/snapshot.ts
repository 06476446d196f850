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
 * sessions: [[client, seq, lastSeen, result]] }`. Tables and keys are sorted by code unit, sessions
 * stay oldest-seen first, so equal states encode to equal bytes (the state hash relies on it).
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

export function encodeSnapshot(state: MachineState): Uint8Array {
  const tables = [...state.tables.keys()].sort(byCodeUnit).map((name) => {
    const rows = state.tables.get(name) as Map<string, TableRecord>;
    const keys = [...rows.keys()].sort(byCodeUnit);
    return [
      name,
      keys.map((key) => {
        const r = rows.get(key) as TableRecord;
        return [key, r.value, r.version, r.createIndex];
      }),
    ];
  });
  const sessions = state.sessions.map((s) => [s.client, s.seq, s.lastSeen, s.result]);
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
