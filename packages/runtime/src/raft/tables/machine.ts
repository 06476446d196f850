/**
 * The table state machine: the Mnesia analogue that runs on Raft's committed log. It is pure and
 * deterministic — no clock, no randomness, no I/O — so replicas fed the same entries end equal.
 *
 * ```ts
 * const machine = new TableMachine();
 * const put = encodeCommand({ kind: 'txn', ops: [{ op: 'put', table: 'heroes', key: 'h1', value: { hp: 100 } }] });
 * const { result, changes } = machine.apply(1, put); // result: { ok: true, index: 1, versions: [...] }
 * machine.get('heroes', 'h1');                       // { value: { hp: 100 }, version: 1, createIndex: 1 }
 * ```
 *
 * API:
 * - `apply(index, bytes)`: applies one committed entry. Indexes must increase (gaps are allowed for
 *   entries the driver keeps to itself, as long as every replica skips the same ones). A transaction
 *   applies atomically or not at all; a malformed entry gives an `invalid` result and changes nothing.
 *   Returns the typed result and the record changes in commit order, for change feeds.
 * - Local reads: `get(table, key)`, `list(table)` and `select(table, predicate)` (entries sorted by
 *   key), `tables()`, `size(table)`. They see this replica's applied state: linearizable only when
 *   the caller has first waited for a read index.
 * - `snapshot()` / `restore(bytes)`: the whole state including client sessions; restoring and then
 *   applying later entries ends in the same state as applying everything. `records()`: how many
 *   rows and sessions a snapshot holds (the driver's snapshot policy weighs replay against it).
 * - `stateHash()`: a digest of the state, for comparing replicas in tests.
 *
 * Sessions: see {@link SessionTable} for exactly-once retries and how they are bounded.
 *
 * When not to use it: state that may diverge on a partition and must stay writable (use the CRDT
 * store); large blobs (every record lives in memory and in every snapshot).
 */
import { createHash } from 'node:crypto';
import { decodeCommand } from './codec.ts';
import { ApplyOrderError } from './errors.ts';
import { deepFreeze } from './freeze.ts';
import { SessionTable } from './sessions.ts';
import type { SessionOptions } from './sessions.ts';
import { captureSnapshot, decodeSnapshot, encodeCaptured, encodeSnapshot } from './snapshot.ts';
import type {
  ApplyOutcome,
  ApplyResult,
  Change,
  KeyVersion,
  TableEntry,
  TableRecord,
  TxnCommand,
} from './types.ts';

/** Options; all replicas of one group must use the same values. */
export type TableMachineOptions = SessionOptions;

export class TableMachine {
  #lastApplied = 0;
  #tables = new Map<string, Map<string, TableRecord>>();
  readonly #sessions: SessionTable;

  constructor(options: TableMachineOptions = {}) {
    this.#sessions = new SessionTable(options);
  }

  /** Index of the last applied entry; 0 before any. */
  get lastApplied(): number {
    return this.#lastApplied;
  }

  /** Number of client sessions currently kept. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  apply(index: number, bytes: Uint8Array): ApplyOutcome {
    if (!Number.isSafeInteger(index) || index <= this.#lastApplied) {
      throw new ApplyOrderError(
        `entry ${index} applied after entry ${this.#lastApplied}; indexes must increase`,
      );
    }
    this.#lastApplied = index;
    this.#sessions.expire(index);
    const decoded = decodeCommand(bytes);
    if (!decoded.ok) return outcome({ ok: false, code: 'invalid', index, reason: decoded.reason });
    const command = decoded.command;
    if (command.kind === 'noop') return outcome({ ok: true, index, versions: [] });
    const session = command.session;
    if (session === undefined) return this.#applyTxn(index, command);
    const seen = this.#sessions.lookup(session.client, session.seq, index);
    switch (seen.kind) {
      case 'duplicate':
        return { result: seen.result, changes: [], duplicate: true };
      case 'stale':
        return outcome({ ok: false, code: 'session-stale', index, lastSeq: seen.lastSeq });
      case 'expired':
        return outcome({ ok: false, code: 'session-expired', index });
      case 'new': {
        const applied = this.#applyTxn(index, command);
        this.#sessions.record(session.client, session.seq, index, applied.result);
        return applied;
      }
    }
  }

  get(table: string, key: string): TableRecord | undefined {
    return this.#tables.get(table)?.get(key);
  }

  list(table: string): TableEntry[] {
    return this.select(table, () => true);
  }

  select(
    table: string,
    predicate: (value: unknown, key: string, record: TableRecord) => boolean,
  ): TableEntry[] {
    const rows = this.#tables.get(table);
    if (rows === undefined) return [];
    const out: TableEntry[] = [];
    for (const key of [...rows.keys()].sort(byCodeUnit)) {
      const r = rows.get(key) as TableRecord;
      if (predicate(r.value, key, r))
        out.push({ key, value: r.value, version: r.version, createIndex: r.createIndex });
    }
    return out;
  }

  /** Names of the tables holding at least one record, sorted. */
  tables(): string[] {
    return [...this.#tables.keys()].sort(byCodeUnit);
  }

  size(table: string): number {
    return this.#tables.get(table)?.size ?? 0;
  }

  /** Records a snapshot taken now would hold: every table's rows and the client sessions. */
  records(): number {
    let n = this.#sessions.size;
    for (const rows of this.#tables.values()) n += rows.size;
    return n;
  }

  /**
   * The snapshot `snapshot()` would return now, encoded over several turns of the event loop:
   * the state is captured before this returns, so the machine may apply more meanwhile.
   */
  snapshotLater(): Promise<Uint8Array> {
    return encodeCaptured(
      captureSnapshot({
        lastApplied: this.#lastApplied,
        tables: this.#tables,
        sessions: this.#sessions.entries(),
      }),
    );
  }

  snapshot(): Uint8Array {
    return encodeSnapshot({
      lastApplied: this.#lastApplied,
      tables: this.#tables,
      sessions: this.#sessions.entries(),
    });
  }

  /** Replaces the whole state with a snapshot's. Throws SnapshotFormatError on foreign bytes. */
  restore(bytes: Uint8Array): void {
    const state = decodeSnapshot(bytes);
    this.#lastApplied = state.lastApplied;
    this.#tables = state.tables;
    this.#sessions.load(state.sessions);
  }

  /**
   * SHA-256 (hex) of the state with every table's keys sorted: equal for equal contents, whatever
   * order their keys were written in.
   */
  stateHash(): string {
    const state = {
      lastApplied: this.#lastApplied,
      tables: this.#tables,
      sessions: this.#sessions.entries(),
    };
    return createHash('sha256').update(encodeSnapshot(state, 'sorted')).digest('hex');
  }

  /**
   * Checks conditions against the state before the transaction, then stages every op and commits
   * them together: nothing is visible unless everything is.
   */
  #applyTxn(index: number, command: TxnCommand): ApplyOutcome {
    const failed: KeyVersion[] = [];
    for (const c of command.conditions ?? []) {
      const version = this.get(c.table, c.key)?.version ?? 0;
      if (version !== c.version) failed.push({ table: c.table, key: c.key, version });
    }
    if (failed.length > 0) return outcome({ ok: false, code: 'conflict', index, current: failed });

    // Staged writes per table, then key, in the order first written (as `#write` will apply them).
    const staged = new Map<string, Map<string, TableRecord | undefined>>();
    const current = (table: string, key: string): TableRecord | undefined => {
      const rows = staged.get(table);
      return rows?.has(key) === true ? rows.get(key) : this.get(table, key);
    };
    const changes: Change[] = [];
    const versions: KeyVersion[] = [];
    for (const op of command.ops) {
      const previous = current(op.table, op.key);
      let record: TableRecord | undefined;
      if (op.op === 'put') {
        const createIndex = previous?.createIndex ?? index;
        record = Object.freeze({ value: deepFreeze(op.value), version: index, createIndex });
        changes.push({
          table: op.table,
          key: op.key,
          value: record.value,
          version: index,
          createIndex: record.createIndex,
          index,
          previous,
        });
      } else if (previous !== undefined) {
        changes.push({
          table: op.table,
          key: op.key,
          value: undefined,
          version: 0,
          createIndex: 0,
          index,
          previous,
        });
      }
      let rows = staged.get(op.table);
      if (rows === undefined) staged.set(op.table, (rows = new Map()));
      rows.set(op.key, record);
      versions.push({ table: op.table, key: op.key, version: record?.version ?? 0 });
    }
    for (const [table, rows] of staged) for (const [key, record] of rows) this.#write(table, key, record);
    return outcome({ ok: true, index, versions }, changes);
  }

  #write(table: string, key: string, record: TableRecord | undefined): void {
    let rows = this.#tables.get(table);
    if (record !== undefined) {
      if (rows === undefined) this.#tables.set(table, (rows = new Map()));
      rows.set(key, record);
      return;
    }
    if (rows === undefined) return;
    rows.delete(key);
    // Empty tables are dropped so that equal contents always mean equal state.
    if (rows.size === 0) this.#tables.delete(table);
  }
}

function outcome(result: ApplyResult, changes: Change[] = []): ApplyOutcome {
  return { result: deepFreeze(result), changes, duplicate: false };
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
