/**
 * Hero records in the store (`hero-record.ts`: live heroes and tombstones), written by their hero
 * actor only, plus creation, a delete while no actor runs, and tombstone collection. Conflicts,
 * tombstones and unavailability come back as values, so the actor decides: adopt the stored value
 * on a conflict, stop on a tombstone, keep the last committed value without quorum.
 *
 * ```ts
 * const heroes = new HeroStore(store);
 * await heroes.create(record);                       // rejects with StoreError('conflict') if it exists
 * const out = await heroes.write(next, version);     // { ok } | conflict | dead | unavailable (| moved)
 * await heroes.writeAndPlace(next, version, init.fenced, { location }); // and its placement, at once
 * await heroes.bury(toTombstone(record, now), version);
 * ```
 *
 * Tombstones win (crdt mode): a key may hold concurrent values; `read` resolves them with a tombstone
 * first, and `write` refuses a live value once any value of the key is a tombstone. The check and the
 * put run in one turn of the event loop (the CRDT table answers synchronously), so no delta arrives
 * between them. A live value written on the other side of a partition before the tombstone arrived
 * stays concurrent with it until someone buries it again; readers treat the key as dead meanwhile.
 *
 * With `groupCommit` (raft and etcd mode, `store/group-commit.ts`), the writes of all hero actors on
 * this node are grouped into multi-key transactions; each write still commits before it resolves.
 */
import type { GroupCommit, Store, Table, Versioned, WriteResult } from '@superhero-dispatch/runtime/store';
import { StoreError } from '@superhero-dispatch/runtime/store';
import type { FencedWriter } from '@superhero-dispatch/runtime/placement';
import { PlacementError } from '@superhero-dispatch/runtime/placement';
import type { HeroRecord, LiveRecord, Tombstone } from './hero-record.ts';
import { isTombstone, resolveRecord } from './hero-record.ts';

export const HEROES_TABLE = 'heroes';

export type WriteOutcome =
  | { readonly ok: true; readonly version: number }
  | { readonly ok: false; readonly reason: 'conflict'; readonly current: Versioned<LiveRecord> }
  | { readonly ok: false; readonly reason: 'dead'; readonly current: Versioned<Tombstone> | undefined }
  /**
   * The write's compare-and-set failed and the key is absent from this replica (one refilling from
   * its peers: crdt mode): nothing written, and no fact about the hero either.
   */
  | { readonly ok: false; readonly reason: 'absent'; readonly error: StoreError }
  /** The writing copy no longer owns the hero's placement record (`writeAndPlace`); nothing written. */
  | { readonly ok: false; readonly reason: 'moved'; readonly error: PlacementError }
  | {
      readonly ok: false;
      readonly reason: 'unavailable';
      readonly error: StoreError;
      /** Whether the write may still take effect (its outcome is unknown). */
      readonly maybeApplied: boolean;
    };

export interface HeroStoreOptions {
  /** Receives the latency of each successful write, ms (metrics). */
  readonly observeWriteMs?: (ms: number) => void;
  /** Groups writes into transactions; without it each write is its own. */
  readonly groupCommit?: GroupCommit;
}

export class HeroStore {
  readonly table: Table<HeroRecord>;

  private readonly observe: ((ms: number) => void) | undefined;
  private readonly batcher: GroupCommit | undefined;

  constructor(store: Store, options: HeroStoreOptions = {}) {
    this.table = store.table<HeroRecord>(HEROES_TABLE);
    this.observe = options.observeWriteMs;
    this.batcher = options.groupCommit;
  }

  /** A live record over `expectVersion`; refused (`dead`) once the key holds any tombstone. */
  async write(hero: LiveRecord, expectVersion: number): Promise<WriteOutcome> {
    const started = performance.now();
    try {
      const tomb = await this.tombstoneAmong(hero.id);
      if (tomb) return { ok: false, reason: 'dead', current: tomb };
      const version = await this.put(hero, expectVersion);
      this.observe?.(performance.now() - started);
      return { ok: true, version };
    } catch (err) {
      return this.failed(hero.id, err);
    }
  }

  /**
   * `write`, and in the same transaction the hero's placement args (its location), through its
   * fenced writer (CP: a store with transactions): one round for an assignment instead of two. A
   * copy that no longer owns its placement record writes nothing (`moved`). With `handoff`, a
   * location on another node gives the placement record to that node in the same round, with
   * `handoff` as the state the hero's next actor starts from (`FencedWriter.withArgs`).
   */
  async writeAndPlace(
    hero: LiveRecord,
    expectVersion: number,
    fenced: FencedWriter,
    args: unknown,
    handoff?: unknown,
  ): Promise<WriteOutcome> {
    const started = performance.now();
    const op = { op: 'put' as const, table: this.table.name, key: hero.id, value: hero };
    try {
      const result = await fenced.withArgs(
        args,
        [op],
        [{ table: this.table.name, key: hero.id, version: expectVersion }],
        handoff === undefined ? {} : { handoff },
      );
      this.observe?.(performance.now() - started);
      return { ok: true, version: result.versions[0]!.version };
    } catch (err) {
      if (err instanceof PlacementError && err.code === 'stale_epoch')
        return { ok: false, reason: 'moved', error: err };
      return this.failed(hero.id, err);
    }
  }

  /**
   * A new hero's record (the key must be absent). Resolves with its version and how far it had got
   * when acknowledged: `local` in crdt mode when no peer held it yet (the write concern's
   * fallback), else `replicated` (in raft mode a commit is on a majority). Rejects with `StoreError`.
   */
  async create(hero: LiveRecord): Promise<WriteResult> {
    if (this.table.write && !this.batcher) return this.table.write(hero.id, hero, { expectVersion: 0 });
    return { version: await this.put(hero, 0), durability: 'replicated' };
  }

  /** Writes a tombstone over `expectVersion` (any value when undefined). Rejects with `StoreError`. */
  async bury(tomb: Tombstone, expectVersion?: number): Promise<number> {
    return this.put(tomb, expectVersion);
  }

  /**
   * The record that counts: with concurrent values (crdt mode) a tombstone among them, else the
   * visible value. `version` is the visible value's (what a compare-and-set must name).
   */
  async read(id: string, stale = false): Promise<Versioned<HeroRecord> | undefined> {
    if (this.table.concurrent) {
      const values = await this.table.concurrent(id);
      const first = values[0];
      const chosen = resolveRecord(values.map((v) => v.value));
      return first && chosen && { key: id, value: chosen, version: first.version };
    }
    return this.table.get(id, { stale });
  }

  /** Removes the record for good (tombstone collection). Rejects with `StoreError`. */
  async remove(id: string, expectVersion?: number): Promise<void> {
    if (this.batcher) {
      await this.batcher.submit({ op: 'delete', table: this.table.name, key: id }, expectVersion);
      return;
    }
    await this.table.delete(id, expectVersion === undefined ? {} : { expectVersion });
  }

  /** What a failed write of hero `id` comes to: the stored value on a conflict, or the error. */
  private async failed(id: string, err: unknown): Promise<WriteOutcome> {
    if (!(err instanceof StoreError)) throw err;
    if (err.code === 'conflict') {
      const current = await this.read(id, true);
      if (current === undefined) return { ok: false, reason: 'absent', error: err };
      if (isTombstone(current.value))
        return { ok: false, reason: 'dead', current: current as Versioned<Tombstone> };
      return { ok: false, reason: 'conflict', current: current as Versioned<LiveRecord> };
    }
    return { ok: false, reason: 'unavailable', error: err, maybeApplied: mayHaveApplied(err) };
  }

  /** A tombstone among the key's concurrent values (crdt mode); raft's CAS covers the rest. */
  private async tombstoneAmong(id: string): Promise<Versioned<Tombstone> | undefined> {
    if (!this.table.concurrent) return undefined;
    const tomb = (await this.table.concurrent(id)).find((v) => isTombstone(v.value));
    return tomb as Versioned<Tombstone> | undefined;
  }

  private put(record: HeroRecord, expectVersion: number | undefined): Promise<number> {
    if (this.batcher)
      return this.batcher.submit(
        { op: 'put', table: this.table.name, key: record.id, value: record },
        expectVersion,
      );
    return this.table.put(record.id, record, expectVersion === undefined ? {} : { expectVersion });
  }
}

/**
 * Whether a failed write may still take effect: a timeout or a closed store may have left it in
 * flight; a `no_quorum` only says so when its cause reports the request reached a leader
 * (`maybeApplied`, set by the Raft driver). A conflict or an invalid write never applies.
 */
export function mayHaveApplied(err: StoreError): boolean {
  if (err.code === 'conflict' || err.code === 'invalid') return false;
  if (err.code === 'no_quorum') {
    const cause = err.cause as { maybeApplied?: unknown } | undefined;
    return cause?.maybeApplied !== false;
  }
  return true;
}
