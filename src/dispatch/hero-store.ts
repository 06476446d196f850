/**
 * Hero records in the store, written by their hero actor only (plus creation and the final delete).
 * Conflicts and unavailability come back as values, so the actor decides: adopt the stored value on a
 * conflict, keep the last committed value on a timeout or without quorum (episode 6's rules).
 */
import type { Store, Table, Versioned } from '../store/types.ts';
import { StoreError } from '../store/types.ts';
import type { Hero } from './model.ts';

export const HEROES_TABLE = 'heroes';

export type WriteOutcome =
  | { readonly ok: true; readonly version: number }
  | { readonly ok: false; readonly reason: 'conflict'; readonly current: Versioned<Hero> | undefined }
  | { readonly ok: false; readonly reason: 'unavailable'; readonly error: StoreError };

export class HeroStore {
  readonly table: Table<Hero>;

  private readonly observe: ((ms: number) => void) | undefined;

  /** `observeWriteMs` receives the latency of each successful write (for metrics). */
  constructor(store: Store, observeWriteMs?: (ms: number) => void) {
    this.table = store.table<Hero>(HEROES_TABLE);
    this.observe = observeWriteMs;
  }

  async write(hero: Hero, expectVersion: number): Promise<WriteOutcome> {
    const started = performance.now();
    try {
      const version = await this.table.put(hero.id, hero, { expectVersion });
      this.observe?.(performance.now() - started);
      return { ok: true, version };
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      if (err.code === 'conflict')
        return { ok: false, reason: 'conflict', current: await this.read(hero.id, true) };
      return { ok: false, reason: 'unavailable', error: err };
    }
  }

  async read(id: string, stale = false): Promise<Versioned<Hero> | undefined> {
    return this.table.get(id, { stale });
  }

  async remove(id: string, expectVersion?: number): Promise<void> {
    await this.table.delete(id, expectVersion === undefined ? {} : { expectVersion });
  }
}
