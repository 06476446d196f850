/** Hero and City actors on a simulated clock over the in-memory store. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActorSystem, SimScheduler, assumeProtocol } from '../../packages/runtime/src/actor/index.ts';
import type { Pid } from '../../packages/runtime/src/actor/index.ts';
import { cityBehaviour } from '../../src/dispatch/city-actor.ts';
import {
  HERO_SLOT_STEPS,
  HERO_TICK_SLOT_MS,
  heroBehaviour,
  heroTickSlotMs,
  nextStepIn,
} from '../../src/dispatch/hero-actor.ts';
import type { HeroProtocol } from '../../src/dispatch/hero-actor.ts';
import { HeroDirectory } from '../../src/dispatch/hero-directory.ts';
import { HeroStore } from '../../src/dispatch/hero-store.ts';
import type { Hero } from '../../src/dispatch/model.ts';
import type { HeroRecord, LiveRecord } from '../../src/dispatch/hero-record.ts';
import { isTombstone, toTombstone } from '../../src/dispatch/hero-record.ts';
import { newHero } from '../../src/dispatch/rules.ts';
import { DispatchError } from '../../src/dispatch/service.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import { StoreError } from '../../packages/runtime/src/store/index.ts';
import { PlacementError } from '../../packages/runtime/src/placement/index.ts';
import type { FencedWriter } from '../../packages/runtime/src/placement/index.ts';
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

test("a hero's steps fall on the node's shared slots, and its period stays 4 s", () => {
  const slot = HERO_TICK_SLOT_MS;
  // A hero started mid-slot moves to the nearest slot once (by at most half a slot) …
  assert.equal(nextStepIn(1030, 4000, slot), 4000 - 30);
  assert.equal(nextStepIn(1070, 4000, slot), 4000 + 30);
  // … then a timer that fired a little late keeps its slot: every step lands 4 s after the last.
  assert.equal(1000 + 3 + nextStepIn(1000 + 3, 4000, slot), 5000);
  assert.equal(nextStepIn(5000, 4000, slot), 4000);
  // A period that is not a whole number of slots, or no slot, is kept as it is.
  assert.equal(nextStepIn(1030, 250, slot), 250);
  assert.equal(nextStepIn(1030, 4000, 0), 4000);
});

test("a node's slot is the longest that holds at most 80 of its heroes' steps: long with few, short with many", () => {
  // 4-s loop: a hero steps slot/4000 times per slot, so 800 ms holds 400 heroes' steps in 80.
  assert.equal(HERO_SLOT_STEPS, 80);
  assert.equal(heroTickSlotMs(0, 4000), 800);
  assert.equal(heroTickSlotMs(400, 4000), 800);
  assert.equal(heroTickSlotMs(401, 4000), 400);
  assert.equal(heroTickSlotMs(800, 4000), 400);
  assert.equal(heroTickSlotMs(801, 4000), 200);
  assert.equal(heroTickSlotMs(1600, 4000), 200);
  assert.equal(heroTickSlotMs(1601, 4000), HERO_TICK_SLOT_MS);
  assert.equal(heroTickSlotMs(100_000, 4000), HERO_TICK_SLOT_MS);
  // Only a slot that divides the loop counts (else the period would drift off it).
  assert.equal(heroTickSlotMs(0, 1000), 200);
  assert.equal(heroTickSlotMs(0, 250), HERO_TICK_SLOT_MS);
});

/**
 * Two heroes started `gapMs` apart (the first at `gapMs`) on a node running `localHeroes`
 * heroes; `versions()` reads both records' versions.
 */
async function twoHeroes(gapMs: number, localHeroes?: number) {
  const scheduler = new SimScheduler();
  const system = new ActorSystem({ scheduler });
  const heroes = new HeroStore(new MemoryStore({ now: () => scheduler.now() }));
  const ids = ['11111111-1111-4111-8111-111111111112', '11111111-1111-4111-8111-111111111113'];
  const behaviour = heroBehaviour({
    heroes,
    rng: seededRandom(1),
    now: () => scheduler.now(),
    ...(localHeroes === undefined ? {} : { localHeroes: () => localHeroes }),
  });
  for (const [i, id] of ids.entries()) {
    await heroes.table.put(id, newHero(id, `Hero ${i}`, '', 0));
    await scheduler.advance(gapMs);
    await system.spawn(behaviour, { key: id, args: {}, epoch: 1 });
  }
  await scheduler.advance(0);
  const versions = async () => Promise.all(ids.map(async (id) => (await heroes.read(id))!.version));
  return { scheduler, versions };
}

test('with many heroes on the node, heroes started a short slot apart step apart', async () => {
  const { scheduler, versions } = await twoHeroes(200, 2000); // 2,000 heroes: the 100-ms slot
  const before = await versions();
  await scheduler.advance(4200 - 400); // now 4,200: the first hero's step, not the second's
  const mid = await versions();
  assert.ok(mid[0]! > before[0]! && mid[1] === before[1], 'only the first hero stepped at 4,200 ms');
  await scheduler.advance(200);
  assert.ok((await versions())[1]! > before[1]!, 'the second stepped at 4,400 ms');
});

test('heroes started at different times within a slot step together', async () => {
  const { scheduler, versions } = await twoHeroes(20); // at 20 and 40 ms, inside one slot
  const before = await versions();
  await scheduler.advance(4000 - 40 - 1); // the slot at 4,000 ms is 1 ms away
  assert.deepEqual(await versions(), before);
  await scheduler.advance(1);
  const after = await versions();
  assert.ok(
    after.every((v, i) => v > before[i]!),
    'both stepped at the slot at 4,000 ms',
  );
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

/** A hero actor started as the next owner of a move: with the state its last owner handed over. */
async function startHandedOff(stored: Partial<Hero>, unsure = false) {
  const scheduler = new SimScheduler();
  const system = new ActorSystem({ scheduler });
  const store = new MemoryStore({ now: () => scheduler.now() });
  const heroes = new HeroStore(store);
  await heroes.table.put(ID, { ...newHero(ID, 'Captain Falcon', '', 0), ...stored });
  const current = (await heroes.read(ID))!;
  let reads = 0;
  const read = heroes.read.bind(heroes);
  heroes.read = (...args) => {
    reads++;
    return read(...args);
  };
  const handoff = { hero: current.value, version: current.version, ...(unsure ? { unsure } : {}) };
  const behaviour = heroBehaviour({ heroes, rng: seededRandom(1), now: () => scheduler.now() });
  const pid = await system.spawn(behaviour, { key: ID, args: {}, epoch: 2, handoff });
  await scheduler.advance(0);
  return { scheduler, system, heroes, pid, reads: () => reads };
}

test('a copy started with a handed-off state reads nothing and acts on it', async () => {
  const { scheduler, system, heroes, pid, reads } = await startHandedOff({ health: 50, location: 'gotham' });
  assert.equal(reads(), 0, 'no start-up read');
  const p = system.call<LiveRecord>(pid, { type: 'assign', location: 'metropolis' });
  await scheduler.advance(0);
  assert.deepEqual([(await p).location, (await p).health], ['metropolis', 70]);
  assert.equal(reads(), 0, 'the write needed no read either');
  assert.equal((await live(heroes)).health, 70, 'written over the handed-off version');
  const version = (await heroes.read(ID))!.version;
  await scheduler.advance(4000);
  assert.ok((await heroes.read(ID))!.version > version, 'it ticks every 4 s');
});

test('a copy handed a hero that was buried during the move answers dead_hero and stops', async () => {
  const { scheduler, system, heroes, pid } = await startHandedOff({ health: 50 });
  const current = (await heroes.read(ID))!;
  // The service found no actor answering mid-move and buried the record itself.
  const buried = await heroes.bury(toTombstone(current.value, 0, 'mid-move'), current.version);
  const p = system.call(pid, { type: 'assign', location: 'gotham' });
  const outcome = assert.rejects(p, code('dead_hero'));
  await scheduler.advance(0);
  await outcome;
  assert.equal((await heroes.read(ID))!.version, buried, 'nothing written over the tombstone');
  assert.equal(system.isAlive(pid), false);
});

test('a handed-off copy of a buried hero that would write nothing still learns of the tombstone', async () => {
  // Idle at full health where it already is: the assign writes nothing, so it reads first.
  const { scheduler, system, heroes, pid } = await startHandedOff({ location: 'gotham' });
  const current = (await heroes.read(ID))!;
  await heroes.bury(toTombstone(current.value, 0), current.version);
  const p = system.call(pid, { type: 'assign', location: 'gotham' });
  const outcome = assert.rejects(p, code('dead_hero'));
  await scheduler.advance(0);
  await outcome;
  assert.equal(system.isAlive(pid), false);
});

test('an unsure hand-off (a write of unknown outcome before the move) is read on start', async () => {
  const { reads, system, pid, scheduler } = await startHandedOff({ health: 60 }, true);
  assert.equal(reads(), 1, 'the start-up read');
  const p = system.call<LiveRecord>(pid, { type: 'get' });
  await scheduler.advance(0);
  assert.equal((await p).health, 60);
});

test('a moving actor hands over its state, marked unsure after a write of unknown outcome', async () => {
  const scheduler = new SimScheduler();
  const system = new ActorSystem({ scheduler });
  const store = new MemoryStore({ now: () => scheduler.now() });
  const heroes = new HeroStore(store);
  await heroes.table.put(ID, { ...newHero(ID, 'Captain Falcon', '', 0), health: 50 });
  const behaviour = heroBehaviour({ heroes, rng: seededRandom(1), now: () => scheduler.now() });
  const pid = await system.spawn(behaviour, { key: ID, args: {}, epoch: 1 });
  await scheduler.advance(0);
  const ask = async (): Promise<{ hero: LiveRecord; version: number; unsure?: boolean }> => {
    const p = system.call<{ hero: LiveRecord; version: number; unsure?: boolean }>(pid, {
      $placement: 'handoff',
    });
    await scheduler.advance(0);
    return p;
  };
  const given = await ask();
  assert.deepEqual([given.hero.health, given.version, given.unsure], [50, 1, undefined]);
  // The next write times out: it may still apply, so the hand-off says so.
  const write = heroes.write.bind(heroes);
  heroes.write = async () => ({
    ok: false,
    reason: 'unavailable',
    error: new StoreError('timeout', 'timed out'),
    maybeApplied: true,
  });
  const p = system.call(pid, { type: 'assign', location: 'gotham' });
  const outcome = assert.rejects(p, code('outcome_unknown'));
  await scheduler.advance(0);
  await outcome;
  heroes.write = write;
  assert.equal((await ask()).unsure, true);
});

/** A hero actor with a fenced writer over a store with transactions (CP), `withArgs` recorded. */
async function startFenced(stale: boolean) {
  const scheduler = new SimScheduler();
  const system = new ActorSystem({ scheduler });
  const store = new MemoryStore({ now: () => scheduler.now(), transactions: true });
  const heroes = new HeroStore(store);
  await heroes.table.put(ID, { ...newHero(ID, 'Captain Falcon', '', 0), health: 50 });
  const moves: unknown[] = [];
  const fenced: FencedWriter = {
    key: ID,
    epoch: 1,
    put: () => Promise.reject(new Error('not used')),
    delete: () => Promise.reject(new Error('not used')),
    transaction: () => Promise.reject(new Error('not used')),
    withArgs: async (args, ops, conditions) => {
      if (stale) throw new PlacementError('stale_epoch', `child ${ID} is no longer the owner`);
      moves.push(args);
      return store.transaction!(
        [...ops, { op: 'put', table: 'placement', key: ID, value: { args } }],
        conditions,
      );
    },
  };
  const behaviour = heroBehaviour({ heroes, rng: seededRandom(1), now: () => scheduler.now() });
  const pid = await system.spawn(behaviour, { key: ID, args: {}, epoch: 1, fenced });
  await scheduler.advance(0);
  return { scheduler, system, heroes, store, pid, moves };
}

test('with a fenced writer (CP) an assignment commits the hero and its placement in one transaction', async () => {
  const { scheduler, system, heroes, store, pid, moves } = await startFenced(false);
  const p = system.call<LiveRecord>(pid, { type: 'assign', location: 'gotham' });
  await scheduler.advance(0);
  assert.equal((await p).location, 'gotham');
  assert.deepEqual(moves, [{ location: 'gotham' }]);
  const [hero, placed] = [await heroes.read(ID), await store.table('placement').get(ID)];
  assert.equal(hero!.version, placed!.version, 'one transaction');
  assert.deepEqual(placed!.value, { args: { location: 'gotham' } });
  // A step of the game loop is no assignment: a plain write, no placement.
  system.cast(pid, { type: 'patrol' });
  await scheduler.advance(0);
  assert.equal(moves.length, 1);
});

test('an assignment reaching a copy that no longer owns the hero answers unavailable and writes nothing', async () => {
  const { scheduler, system, heroes, pid } = await startFenced(true);
  const before = (await heroes.read(ID))!.version;
  const p = system.call(pid, { type: 'assign', location: 'gotham' });
  const outcome = assert.rejects(p, code('unavailable'));
  await scheduler.advance(0);
  await outcome;
  assert.equal((await heroes.read(ID))!.version, before);
});
