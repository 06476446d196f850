/** Hero and City actors on a simulated clock over the in-memory store. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActorSystem, SimScheduler, assumeProtocol } from '../../packages/runtime/src/actor/index.ts';
import type { Pid } from '../../packages/runtime/src/actor/index.ts';
import { cityBehaviour } from '../../src/dispatch/city-actor.ts';
import { heroBehaviour } from '../../src/dispatch/hero-actor.ts';
import type { HeroProtocol } from '../../src/dispatch/hero-actor.ts';
import { HeroDirectory } from '../../src/dispatch/hero-directory.ts';
import { HeroStore } from '../../src/dispatch/hero-store.ts';
import type { Hero } from '../../src/dispatch/model.ts';
import type { HeroRecord, LiveRecord } from '../../src/dispatch/hero-record.ts';
import { isTombstone, toTombstone } from '../../src/dispatch/hero-record.ts';
import { newHero } from '../../src/dispatch/rules.ts';
import { DispatchError } from '../../src/dispatch/service.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import { seededRandom } from '../../packages/runtime/src/testing/sim/index.ts';

const ID = '11111111-1111-4111-8111-111111111111';

async function setup(hero: Partial<Hero> = {}, rngSeed = 1) {
  const scheduler = new SimScheduler();
  const system = new ActorSystem({ scheduler });
  const store = new MemoryStore({ now: () => scheduler.now() });
  const heroes = new HeroStore(store);
  await heroes.table.put(ID, { ...newHero(ID, 'Captain Falcon', '', 0), ...hero });
  const behaviour = heroBehaviour({
    heroes,
    rng: seededRandom(rngSeed),
    now: () => scheduler.now(),
  });
  const pid = await system.spawn(behaviour, { key: ID, args: {}, epoch: 1 });
  await scheduler.advance(0);
  return { scheduler, system, heroes, pid, store };
}

const read = async (heroes: HeroStore): Promise<HeroRecord | undefined> => (await heroes.read(ID))?.value;
const live = async (heroes: HeroStore): Promise<LiveRecord> => {
  const r = await read(heroes);
  assert.ok(r && !isTombstone(r), `hero ${ID} is live`);
  return r;
};
const code = (expected: string) => (e: unknown) => e instanceof DispatchError && e.code === expected;

test('on start the hero writes nothing: where it runs is the placement record, not the hero record', async () => {
  const { heroes } = await setup();
  assert.equal((await heroes.read(ID))!.version, 1);
  assert.equal((await live(heroes)).node, '');
});

test('the hero acts every 4 s, not before', async () => {
  const { scheduler, heroes } = await setup();
  const before = (await heroes.read(ID))!.version;
  await scheduler.advance(3999);
  assert.equal((await heroes.read(ID))!.version, before);
  await scheduler.advance(1);
  const after = await heroes.read(ID);
  assert.ok(after!.version > before, 'a tick wrote the hero');
});

test('a hero whose health reaches 0 is buried (a tombstone replaces it), then its actor stops', async () => {
  const { scheduler, system, heroes, pid } = await setup({ health: 1 });
  // villain fights deal at least 5: the first one kills
  system.cast(pid, { type: 'villain' });
  await scheduler.advance(0);
  assert.ok(isTombstone(await read(heroes)));
  assert.equal(system.isAlive(pid), false);
});

test('assign: +20 health capped at 100, not patrolling, location set', async () => {
  const { scheduler, system, pid } = await setup({ health: 50, isPatrolling: true });
  const p = system.call<Hero>(pid, { type: 'assign', location: 'metropolis' });
  await scheduler.advance(0);
  const hero = await p;
  assert.deepEqual([hero.location, hero.health, hero.isPatrolling], ['metropolis', 70, false]);
});

test('a dead hero cannot be assigned: the running actor answers dead_hero and buries it', async () => {
  const { scheduler, system, heroes, pid } = await setup({ health: 0 });
  assert.equal(system.isAlive(pid), true, 'the actor runs when the call arrives');
  const p = system.call(pid, { type: 'assign', location: 'gotham' });
  const outcome = assert.rejects(p, code('dead_hero'));
  await scheduler.advance(0);
  await outcome;
  assert.ok(isTombstone(await read(heroes)));
});

test('terminate writes a tombstone with its key, and the actor stops', async () => {
  const { scheduler, system, heroes, pid } = await setup();
  const p = system.call(pid, { type: 'terminate', key: 'k-1' });
  await scheduler.advance(0);
  assert.equal(await p, true);
  const tomb = await read(heroes);
  assert.ok(isTombstone(tomb) && tomb.requests?.includes('k-1'));
  assert.equal(system.isAlive(pid), false);
});

test('a terminate reaching a copy whose hero was buried meanwhile answers dead_hero and writes nothing', async () => {
  const { scheduler, system, heroes, pid } = await setup();
  const current = (await heroes.read(ID))!;
  const buried = await heroes.bury(toTombstone(current.value, 0, 'other'), current.version);
  const p = system.call(pid, { type: 'terminate', key: 'mine' });
  const outcome = assert.rejects(p, code('dead_hero'));
  await scheduler.advance(0);
  await outcome;
  const after = (await heroes.read(ID))!;
  assert.equal(after.version, buried, 'nothing written');
  assert.ok(isTombstone(after.value) && !after.value.requests?.includes('mine'));
  assert.equal(system.isAlive(pid), false, 'the copy stopped');
});

test('a copy that missed the delete stops at its next write and never brings the hero back', async () => {
  const { scheduler, system, heroes, pid } = await setup({ health: 80 });
  const current = (await heroes.read(ID))!;
  await heroes.bury(toTombstone(current.value, 0), current.version);
  system.cast(pid, { type: 'villain' });
  await scheduler.advance(0);
  assert.ok(isTombstone(await read(heroes)));
  assert.equal(system.isAlive(pid), false);
});

test('an assign retried with the same idempotency key is applied once', async () => {
  const { scheduler, system, heroes, pid } = await setup({ health: 50 });
  const first = system.call<LiveRecord>(pid, { type: 'assign', location: 'metropolis', key: 'a-1' });
  await scheduler.advance(0);
  assert.equal((await first).health, 70);
  const version = (await heroes.read(ID))!.version;
  const retry = system.call<LiveRecord>(pid, { type: 'assign', location: 'metropolis', key: 'a-1' });
  await scheduler.advance(0);
  assert.equal((await retry).health, 70, 'not +20 again');
  assert.equal((await heroes.read(ID))!.version, version, 'nothing written');
});

test('a stale copy cannot overwrite newer state: on conflict it adopts the stored value', async () => {
  const { scheduler, system, heroes, pid } = await setup({ health: 80 });
  const current = (await heroes.read(ID))!;
  await heroes.table.put(ID, { ...(await live(heroes)), fightsWon: 42 }, { expectVersion: current.version });
  system.cast(pid, { type: 'patrol' });
  await scheduler.advance(0);
  const stored = await live(heroes);
  assert.equal(stored.fightsWon, 42, 'the newer write survived');
  const seen = system.call<Hero>(pid, { type: 'get' });
  await scheduler.advance(0);
  assert.equal((await seen).fightsWon, 42, 'the actor adopted it');
});

test('the city sends a random hero in the city on patrol every 5 s, and fights a patrolling one', async () => {
  const scheduler = new SimScheduler();
  const system = new ActorSystem({ scheduler });
  const store = new MemoryStore({ now: () => scheduler.now() });
  const heroes = new HeroStore(store);
  await heroes.table.put(ID, { ...newHero(ID, 'Lady Nova', 'gotham', 0), location: 'gotham' });
  const directory = await HeroDirectory.load(heroes);
  const received: unknown[] = [];
  const fake: Pid = await system.spawn(
    { init: () => null, handleCast: (m: unknown, s: null) => (received.push(m), s) },
    undefined,
  );
  await system.spawn(
    cityBehaviour({
      city: 'gotham',
      system,
      directory,
      // A recorder stands in for the hero: it takes whatever the city casts to a hero.
      heroDest: () => assumeProtocol<HeroProtocol>(fake),
      rng: seededRandom(3),
    }),
    undefined,
  );
  await scheduler.advance(4999);
  assert.deepEqual(received, []);
  await scheduler.advance(1);
  assert.deepEqual(received, [{ type: 'patrol' }]);
  await heroes.table.put(ID, { ...directory.get(ID)!, isPatrolling: true });
  await scheduler.advance(5000);
  assert.deepEqual(
    received.slice(1).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    [{ type: 'patrol' }, { type: 'villain' }],
  );
});

test('a step that changes nothing but the time is not written (a patrol order to a hero on patrol)', async () => {
  const scheduler = new SimScheduler();
  const system = new ActorSystem({ scheduler });
  const store = new MemoryStore({ now: () => scheduler.now() });
  const heroes = new HeroStore(store);
  await heroes.table.put(ID, { ...newHero(ID, 'Agent Lynx', '', 0), isPatrolling: true });
  let unchanged = 0;
  const pid = await system.spawn(
    heroBehaviour({
      heroes,
      rng: seededRandom(1),
      now: () => scheduler.now(),
      onUnchanged: () => unchanged++,
    }),
    { key: ID, args: {}, epoch: 1 },
  );
  await scheduler.advance(0);
  const before = (await heroes.read(ID))!.version;
  system.cast(pid, { type: 'patrol' });
  await scheduler.advance(10);
  assert.equal((await heroes.read(ID))!.version, before, 'no write');
  assert.equal(unchanged, 1);
  system.cast(pid, { type: 'villain' }); // a real change: health drops, written
  await scheduler.advance(0);
  assert.ok((await heroes.read(ID))!.version > before);
  assert.ok((await live(heroes)).health < 100);
});

test('assigning a hero where it already is, idle at full health, succeeds without a write', async () => {
  const { scheduler, system, heroes, pid } = await setup({ location: 'gotham' });
  const before = (await heroes.read(ID))!.version;
  const p = system.call<Hero>(pid, { type: 'assign', location: 'gotham' });
  await scheduler.advance(0);
  assert.equal((await p).location, 'gotham');
  assert.equal((await heroes.read(ID))!.version, before);
});
