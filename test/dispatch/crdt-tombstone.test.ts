/**
 * Deleted means gone in crdt mode: a hero terminated on one side of a partition while its actor
 * runs, and keeps writing, on the other side stays dead after the heal — the tombstone wins over
 * the duplicate's later-stamped live value, the duplicate stops, and every node answers dead_hero.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heroIn, villain } from '../../src/dispatch/hero-actor.ts';
import { isTombstone } from '../../src/dispatch/hero-record.ts';
import { HeroStore } from '../../src/dispatch/hero-store.ts';
import { DispatchError } from '../../src/dispatch/service.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';
import { crdtPairWithHero } from './cities.ts';

const isDead = (e: unknown): boolean => e instanceof DispatchError && e.code === 'dead_hero';

test('crdt: a delete on one side of a partition wins over the duplicate writing on the other', async (t) => {
  const { cities, hero, runner, other } = await crdtPairWithHero(t, 'Agent Lynx');
  await waitFor(
    async () =>
      (
        await Promise.all(
          cities.map((c) =>
            c.app.service.getHero(hero.id).then(
              () => true,
              () => false,
            ),
          ),
        )
      ).every(Boolean),
    10_000,
    'every replica holds the hero before the cut',
  );

  for (const c of cities) c.node.faults.isolate(runner.node.name);
  await waitFor(
    () => other.node.nodes().length === 0 && runner.node.nodes().length === 0,
    15_000,
    'cut seen',
  );

  await other.app.service.terminateHero(hero.id);
  await assert.rejects(other.app.service.getHero(hero.id), isDead);
  // The runner has not heard: its actor goes on and writes a live value stamped after the tombstone.
  const runnerHeroes = new HeroStore(runner.store);
  const before = (await runnerHeroes.read(hero.id))!.version;
  villain(runner.node.system, heroIn(runner.app.placement, hero.id));
  await waitFor(async () => (await runnerHeroes.read(hero.id))!.version > before, 5000, 'duplicate wrote');
  assert.equal(isTombstone((await runnerHeroes.read(hero.id))!.value), false);

  for (const c of cities) c.node.faults.heal();
  await waitFor(
    async () => {
      for (const c of cities) {
        const dead = await c.app.service.getHero(hero.id).then(() => false, isDead);
        const visible = await c.store.table('heroes').get(hero.id);
        if (!dead || !isTombstone(visible?.value as never)) return false;
      }
      return true;
    },
    20_000,
    'the tombstone is the visible value on every node',
  );
  for (const c of cities) await assert.rejects(c.app.service.assignHero(hero.id, 'home'), isDead);
  // The duplicate stops at its next write (or is merged away); no node runs the hero any more.
  villain(runner.node.system, heroIn(runner.app.placement, hero.id));
  await waitFor(
    () => cities.every((c) => !c.app.placement.localKeys().includes(hero.id)),
    20_000,
    'no actor runs the dead hero',
  );
});
