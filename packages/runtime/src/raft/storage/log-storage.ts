/**
 * `LogStorage`: where a Raft member keeps its log, hard state (term, vote, commit) and latest
 * snapshot so that it survives a restart. `MemoryLogStorage` is the in-memory twin for tests and
 * for `memory` durability; `FileLogStorage` is the durable one. Both pass the same conformance
 * suite (`testing/conformance/log-storage.ts`).
 *
 * Example:
 * ```ts
 * const storage = await FileLogStorage.open('/var/lib/node-a/raft');
 * const node = new RawNode({ id: 'a', rng }, storage.initialState());
 * const rd = node.ready();
 * await storage.save({ entries: rd.entries, hardState: rd.hardState, snapshot: rd.snapshot });
 * ```
 *
 * Semantics of `save(batch)`, applied in this order:
 * 1. `snapshot`: becomes the stored snapshot if newer than the current one. If the stored log has
 *    an entry at `snapshot.index` with `snapshot.term`, the entries are kept (a local snapshot, or
 *    a leader's snapshot we already match); otherwise every entry is discarded and the log
 *    continues at `snapshot.index + 1`.
 * 2. `entries`: contiguous, in index order. The first one's index `i` must be in
 *    `[max(firstIndex, snapshot.index + 1), lastIndex + 1]` (entries a snapshot covers are
 *    committed and never rewritten); stored entries at `>= i` are discarded first (the
 *    conflicting suffix), then the batch is appended.
 * 3. `hardState`: replaces the stored one.
 *
 * Sync: a batch is durable when the promise returned by `save` resolves; a crash before that may
 * lose any part of the batch but never an earlier, resolved one, and recovery never returns a
 * prefix with holes. Reads (`term`, `entries`, ...) reflect every `save` already called, durable or
 * not. Calls are applied in call order; callers need not wait for one save before the next.
 *
 * `compact(index)` drops entries up to `index` (which must not exceed the snapshot's index).
 *
 * When not to use: application data does not belong here; only the Raft log and its snapshot do.
 */
import { codedError, type CodedErrorOptions } from '../coded-error.ts';
import type { Entry, HardState, InitialState, Snapshot } from '../core/types.ts';

export interface StorageBatch {
  readonly snapshot?: Snapshot | undefined;
  readonly entries?: readonly Entry[] | undefined;
  readonly hardState?: HardState | undefined;
  /**
   * Where a storage that can do either writes this batch: `true` on the calling thread when
   * nothing is queued ahead of it, `false` off it (the thread pool). Undefined: the storage's own
   * choice. A hint only: durability and order are the same either way, and storages without the
   * choice ignore it.
   */
  readonly inline?: boolean | undefined;
}

export interface LogStorage {
  /** Everything recovered, in the form `RawNode` takes. */
  initialState(): InitialState;
  /** Persists one batch (one Ready); durable when the promise resolves. */
  save(batch: StorageBatch): Promise<void>;
  /** Drops entries at or below `index`; `index` must be <= the stored snapshot's index. */
  compact(index: number): Promise<void>;
  /** Index of the first stored entry (snapshot index + 1 when no entry is stored). */
  firstIndex(): number;
  /** Index of the last stored entry, or the snapshot index when no entry is stored. */
  lastIndex(): number;
  /** Term at `index` (the snapshot's term at its index), or undefined if not stored. */
  term(index: number): number | undefined;
  /** Stored entries in [lo, hi); throws `StorageRangeError` outside [firstIndex, lastIndex + 1]. */
  entries(lo: number, hi: number): Entry[];
  hardState(): HardState;
  snapshot(): Snapshot | null;
  /** Waits for pending saves and releases files. The storage is unusable afterwards. */
  close(): Promise<void>;
}

/** A read or write outside the stored range, or a batch that would leave a hole. */
export class StorageRangeError extends codedError('STORAGE_RANGE') {}

/**
 * Stored data failed its checksum somewhere other than a torn tail; refusing to guess. `file` and
 * `offset` say where, when the damage is in a log segment.
 */
export class StorageCorruptError extends codedError('STORAGE_CORRUPT') {
  readonly file: string | undefined;
  readonly offset: number | undefined;
  constructor(message: string, options?: CodedErrorOptions & { file?: string; offset?: number }) {
    super(message, options);
    this.file = options?.file;
    this.offset = options?.offset;
  }
}

/** The storage was used after `close()`, or a previous write failed and left it unusable. */
export class StorageClosedError extends codedError('STORAGE_CLOSED') {}
