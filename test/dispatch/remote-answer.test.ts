/**
 * What a hero's actor answers reaches the client unchanged when the request came in on another
 * node: the actor's `outcome_unknown` (its write's answer was lost, the write applied) is reported
 * as such, not as 503 "nothing written". Regression (raft nemesis, CI run): an assign answered 503
 * and then read back as applied.
 *
 * Three in-process nodes over loopback TCP share one transactional memory store (CP: fenced writes),
 * wrapped so that the next hero write applies and then fails as a timeout would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import { StoreError } from '../../packages/runtime/src/store/types.ts';
import type { Transaction } from '../../packages/runtime/src/store/ops.ts';
import { HEROES_TABLE } from '../../src/dispatch/hero-store.ts';
import { DispatchError } from '../../src/dispatch/service.ts';
import { waitFor } from '../cluster/helpers.ts';
import { startCities, stopCities } from './cities.ts';

/** A CP memory store whose next transaction writing a hero applies, then rejects as a timeout. */
function storeLosingOneAnswer(): { store: MemoryStore; loseNext: () => void } {
  const store = new MemoryStore({ transactions: true });
  const commit = store.transaction!;
  let armed = false;
  const transaction: Transaction = async (ops, conditions) => {
    const result = await commit(ops, conditions);
    if (armed && ops.some((op) => op.table === HEROES_TABLE)) {
      armed = false;
      throw new StoreError('timeout', 'the answer to this write was lost (it applied)');
    }
    return result;
  };
  Object.assign(store, { transaction });
  return { store, loseNext: () => (armed = true) };
}

test("an assignment whose write's answer was lost is outcome_unknown from every node, and it applied", async (t) => {
  const { store, loseNext } = storeLosingOneAnswer();
  const members = await startCities(['gotham', 'metropolis', 'capitol'], {
    storeMode: 'raft',
    store: () => store,
  });
  t.after(() => stopCities(members));
  const [gotham] = members;
  const hero = await gotham!.app.service.createHero({ name: 'Captain Falcon' });
  let host = '';
  await waitFor(async () => (host = (await gotham!.app.service.getHero(hero.id)).node) !== '', 10_000);
  // Asked on a node the actor does not run on, for a city on a third node: the actor's answer
  // crosses the wire.
  const caller = members.find((m) => m.app.service.nodeName !== host)!;
  const callerName = caller.app.service.nodeName;
  const city = ['gotham', 'metropolis', 'capitol'].find((c) => c !== host && c !== callerName)!;
  assert.notEqual(callerName, host, 'the request comes in on another node than the actor');

  loseNext();
  await assert.rejects(
    caller.app.service.assignHero(hero.id, city),
    (err: unknown) => err instanceof DispatchError && err.code === 'outcome_unknown',
  );
  // It applied: every node reads the new location.
  for (const m of members) assert.equal((await m.app.service.getHero(hero.id)).location, city);
});
