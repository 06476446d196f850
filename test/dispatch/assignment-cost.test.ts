/**
 * What one assignment costs the store: every write and read the cluster makes from the moment
 * `assignHero` is asked until the hero's actor runs on the city's node and nothing more is
 * written. Over a store with transactions (CP, as Raft), each write or transaction is one
 * consensus round and each read without `stale` one linearizable read. The figures are in
 * `docs/dispatch.md` ("What an assignment costs"); the test fails if an assignment costs more.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import type { Store, Table } from '../../packages/runtime/src/store/types.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';
import { startCities, stopCities } from './cities.ts';

/** Counts each store operation, by table: `heroes.put`, `placement.get`, `transaction`… */
class Counts {
  readonly by = new Map<string, number>();
  add(what: string): void {
    this.by.set(what, (this.by.get(what) ?? 0) + 1);
  }
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.by].sort(([a], [b]) => a.localeCompare(b)));
  }
  total(prefix: (k: string) => boolean): number {
    let n = 0;
    for (const [k, v] of this.by) if (prefix(k)) n += v;
    return n;
  }
}

const READS = new Set(['get', 'list', 'concurrent']);
const WRITES = new Set(['put', 'delete', 'write', 'remove']);

/** The same store, counting every read and write made through it (reads with `stale` apart). */
function counting(store: Store, counts: Counts): Store {
  const tables = new Map<string, Table<unknown>>();
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'table') {
        return (name: string) => {
          let t = tables.get(name);
          if (t === undefined) {
            const inner = target.table(name);
            t = new Proxy(inner, {
              get(tt, p) {
                const v = Reflect.get(tt, p, tt) as unknown;
                if (typeof v !== 'function') return v;
                const op = String(p);
                return (...args: unknown[]) => {
                  if (WRITES.has(op)) counts.add(`${name}.${op}`);
                  else if (READS.has(op)) {
                    const stale = (args.at(-1) as { stale?: boolean } | undefined)?.stale === true;
                    counts.add(`${name}.${op}${stale ? ' (stale)' : ''}`);
                  }
                  return (v as (...a: unknown[]) => unknown).apply(tt, args);
                };
              },
            });
            tables.set(name, t);
          }
          return t;
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'transaction' && typeof v === 'function') {
        return (...args: unknown[]) => {
          const ops = args[0] as { table: string }[];
          counts.add(`transaction(${[...new Set(ops.map((o) => o.table))].sort().join('+')})`);
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

test('an assignment that moves a hero to another city: store writes and reads, counted', async (t) => {
  const counts = new Counts();
  const shared = counting(new MemoryStore({ transactions: true }), counts);
  const cities = await startCities(['gotham', 'metropolis'], {
    storeMode: 'raft',
    store: () => shared,
    extra: () => ({ groupCommit: true }),
  });
  t.after(() => stopCities(cities));
  const [gotham, metropolis] = cities as [(typeof cities)[0], (typeof cities)[0]];
  const hero = await gotham.app.service.createHero({ name: 'Lady Nova' });
  await gotham.app.service.assignHero(hero.id, 'gotham');
  const runsOn = (city: typeof gotham): boolean => city.app.placement.localKeys().includes(hero.id);
  await waitFor(() => runsOn(gotham), 10_000, 'the hero runs in gotham');
  // Quiet: nothing written for a while.
  const quiet = async (): Promise<void> => {
    let last = -1;
    await waitFor(
      () => {
        const now = counts.total(() => true);
        const still = now === last;
        last = now;
        return still;
      },
      10_000,
      'the store quiet',
      300,
    );
  };
  await quiet();
  counts.by.clear();

  await gotham.app.service.assignHero(hero.id, 'metropolis');
  await waitFor(() => runsOn(metropolis) && !runsOn(gotham), 10_000, 'the hero runs in metropolis');
  await quiet();
  const seen = counts.snapshot();
  const writes = counts.total((k) => k.startsWith('transaction') || WRITES.has(k.split('.')[1] ?? ''));
  const reads = counts.total(
    (k) => READS.has(k.split('.')[1]?.split(' ')[0] ?? '') && !k.endsWith('(stale)'),
  );
  t.diagnostic(`one assignment: ${writes} writes, ${reads} linearizable reads: ${JSON.stringify(seen)}`);
  // One round: a change that adds a write or a read fails here.
  assert.ok(writes >= 1, 'the assignment was written');
  assert.equal(writes, 1, `one write per assignment, saw ${writes}: ${JSON.stringify(seen)}`);
  assert.equal(
    seen['transaction(heroes+placement)'],
    1,
    'the hero, its location and its move in one transaction',
  );
  assert.equal(
    reads,
    0,
    `no linearizable read (the new actor starts on the handed-off state): ${JSON.stringify(seen)}`,
  );
});
