/**
 * Client sessions of the table machine: exactly-once application of retried commands.
 *
 * A client tags every mutating command with `{ client, seq }`, `seq` starting at 1 and growing with
 * each new request; a retry of a request keeps its seq. The machine keeps, per client, the last seq
 * applied and its result. A command whose seq was already applied gets the cached result and is not
 * applied again.
 *
 * ```ts
 * const sessions = new SessionTable({ ttlEntries: 100_000, maxSessions: 10_000 });
 * sessions.lookup('c1', 1, 10); // { kind: 'new' }
 * sessions.record('c1', 1, 10, result);
 * sessions.lookup('c1', 1, 11); // { kind: 'duplicate', result }
 * ```
 *
 * Bounds (deterministic: they depend only on log indexes and on the order of commands, never on wall
 * time, so every replica expires the same sessions at the same entry):
 * - Only the last result per client is kept. A client must have one request in flight at a time
 *   (or accept `stale` for an older one).
 * - A session expires once `ttlEntries` log entries have been applied since its client was last seen
 *   (`lastSeen <= index - ttlEntries`).
 * - At most `maxSessions` sessions; a new one beyond that evicts the one seen least recently.
 * - A command from an unknown client with `seq > 1` is refused as `expired`: the client's session is
 *   gone, so the machine cannot know whether that request already ran. A retry of seq 1 arriving
 *   after its session expired would run again, so `ttlEntries` must exceed the number of entries a
 *   client can keep retrying for.
 *
 * Not for direct use: the {@link TableMachine} drives it.
 */
import type { ApplyResult } from './types.ts';

export interface SessionOptions {
  /**
   * Log entries after which an idle session is forgotten. Default 100,000 entries: at 1,000 writes/s
   * that is 100 s, well beyond a client's retry window, while a session costs a few hundred bytes.
   * Must be the same on every replica.
   */
  ttlEntries?: number;
  /**
   * Most sessions kept. Default 10,000: one per client process or actor that writes, with a memory
   * bound of a few megabytes. Must be the same on every replica.
   */
  maxSessions?: number;
}

export interface SessionEntry {
  client: string;
  seq: number;
  lastSeen: number;
  result: ApplyResult;
}

export type SessionLookup =
  | { kind: 'new' }
  | { kind: 'duplicate'; result: ApplyResult }
  | { kind: 'stale'; lastSeq: number }
  | { kind: 'expired' };

export class SessionTable {
  readonly ttlEntries: number;
  readonly maxSessions: number;
  /** Ordered by `lastSeen`, oldest first (touching moves an entry to the end). */
  #entries = new Map<string, SessionEntry>();

  constructor(options: SessionOptions = {}) {
    this.ttlEntries = positive(options.ttlEntries ?? 100_000, 'ttlEntries');
    this.maxSessions = positive(options.maxSessions ?? 10_000, 'maxSessions');
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Classifies a command from `client` with `seq` at log `index`, marking a known client as seen. */
  lookup(client: string, seq: number, index: number): SessionLookup {
    const entry = this.#entries.get(client);
    if (entry === undefined) return seq === 1 ? { kind: 'new' } : { kind: 'expired' };
    this.#touch(entry, index);
    if (seq === entry.seq) return { kind: 'duplicate', result: entry.result };
    if (seq < entry.seq) return { kind: 'stale', lastSeq: entry.seq };
    return { kind: 'new' };
  }

  /** Stores the result of a newly applied command. */
  record(client: string, seq: number, index: number, result: ApplyResult): void {
    const existing = this.#entries.get(client);
    if (existing !== undefined) {
      existing.seq = seq;
      existing.result = result;
      this.#touch(existing, index);
      return;
    }
    this.#entries.set(client, { client, seq, lastSeen: index, result });
    while (this.#entries.size > this.maxSessions) this.#dropOldest();
  }

  /** Forgets sessions idle for `ttlEntries` entries as of log `index`. */
  expire(index: number): void {
    for (const entry of this.#entries.values()) {
      if (entry.lastSeen > index - this.ttlEntries) return;
      this.#entries.delete(entry.client);
    }
  }

  /** Sessions oldest-seen first: the order a snapshot must keep. */
  entries(): SessionEntry[] {
    return [...this.#entries.values()].map((e) => ({ ...e }));
  }

  /** Replaces every session; `entries` must be oldest-seen first. */
  load(entries: readonly SessionEntry[]): void {
    this.#entries = new Map(entries.map((e) => [e.client, { ...e }]));
  }

  #touch(entry: SessionEntry, index: number): void {
    entry.lastSeen = index;
    this.#entries.delete(entry.client);
    this.#entries.set(entry.client, entry);
  }

  #dropOldest(): void {
    const oldest = this.#entries.keys().next();
    if (oldest.done !== true) this.#entries.delete(oldest.value);
  }
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
