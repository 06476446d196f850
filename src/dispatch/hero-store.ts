/**
 * Hero records in the store, written by their hero actor only (plus creation and the final delete).
 * Conflicts and unavailability come back as values, so the actor decides: adopt the stored value on a
 * conflict, keep the last committed value on a timeout or without quorum (episode 6's rules).
 *
 * With a `WriteBatcher` (raft mode), the writes of all hero actors on this node are grouped into
 * multi-key transactions; each write still commits before it resolves.
 */
import type { Store, Table, Versioned } from '../store/types.ts';
import { StoreError } from '../store/types.ts';
import type { Hero } from './model.ts';
import type { WriteBatcher } from './write-batcher.ts';

export const HEROES_TABLE = 'heroes';

export type WriteOutcome =
  | { readonly ok: true; readonly version: number }
  | { readonly ok: false; readonly reason: 'conflict'; readonly current: Versioned<Hero> | undefined }
  | { readonly ok: false; readonly reason: 'unavailable'; readonly error: StoreError };

export interface HeroStoreOptions {
  /** Receives the latency of each successful write, ms (metrics). */
  readonly observeWriteMs?: (ms: number) => void;
  /** Groups writes into transactions; without it each write is its own. */
  readonly batcher?: WriteBatcher;
}

export class HeroStore {
  readonly table: Table<Hero>;

  private readonly observe: ((ms: number) => void) | undefined;
  private readonly batcher: WriteBatcher | undefined;

  constructor(store: Store, options: HeroStoreOptions = {}) {
    this.table = store.table<Hero>(HEROES_TABLE);
    this.observe = options.observeWriteMs;
    this.batcher = options.batcher;
  }

  async write(hero: Hero, expectVersion: number): Promise<WriteOutcome> {
    const started = performance.now();
    try {
      const version = await this.put(hero, expectVersion);
      this.observe?.(performance.now() - started);
      return { ok: true, version };
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      if (err.code === 'conflict')
        return { ok: false, reason: 'conflict', current: await this.read(hero.id, true) };
      return { ok: false, reason: 'unavailable', error: err };
    }
  }

  /** A new hero's record (it must not exist yet). Rejects with `StoreError`. */
  async create(hero: Hero): Promise<number> {
    return this.put(hero, 0);
  }

  async read(id: string, stale = false): Promise<Versioned<Hero> | undefined> {
    return this.table.get(id, { stale });
  }

  async remove(id: string, expectVersion?: number): Promise<void> {
    if (this.batcher) {
      await this.batcher.submit({ op: 'delete', table: this.table.name, key: id }, expectVersion);
      return;
    }
    await this.table.delete(id, expectVersion === undefined ? {} : { expectVersion });
  }

  private put(hero: Hero, expectVersion: number): Promise<number> {
    if (this.batcher)
      return this.batcher.submit(
        { op: 'put', table: this.table.name, key: hero.id, value: hero },
        expectVersion,
      );
    return this.table.put(hero.id, hero, { expectVersion });
  }
}
