// A hero actor over a real three-member Raft store (loopback TCP, in one process), on the member
// cut off by a partition: a compare-and-set write that cannot commit in time is dropped and the
// hero keeps its last committed value (in memory and in the store); a hero that starts while its
// store cannot answer retries its start-up read until the partition heals, then takes over its
// record.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getHero, assignHeroTo, heroBehaviour } from '../../src/dispatch/hero-actor.ts';
import { HeroStore } from '../../src/dispatch/hero-store.ts';
import type { Hero } from '../../src/dispatch/model.ts';
import { newHero } from '../../src/dispatch/rules.ts';
import { isTombstone } from '../../src/dispatch/hero-record.ts';
import type { LiveRecord } from '../../src/dispatch/hero-record.ts';
import { DispatchError } from '../../src/dispatch/service.ts';
import { seededRandom } from '../../packages/runtime/src/testing/sim/index.ts';
import { startStoreCluster, waitFor, type Member, type TestCluster } from '../raft-driver/helpers.ts';

const FALCON = '11111111-1111-4111-8111-111111111111';
const RAVEN = '22222222-2222-4222-8222-222222222222';

let c: TestCluster;

/**
 * The hero's committed record: a linearizable read, so a write acknowledged a moment ago is seen
 * (a stale local read on a follower may not have applied it yet). A read that gives up at the
 * 400-ms request deadline on a busy machine is asked again.
 */
async function stored(heroes: HeroStore, id: string): Promise<{ value: LiveRecord; version: number }> {
  let read: Awaited<ReturnType<HeroStore['read']>>;
  for (let attempt = 1; ; attempt++) {
    try {
      read = await heroes.read(id);
      break;
    } catch (err) {
      if (attempt >= 20) throw err;
    }
  }
  assert.ok(read !== undefined && !isTombstone(read.value), `hero ${id} is live in the store`);
  return { value: read.value, version: read.version };
}

/** Whether the actor answers with its hero (it has read its record). */
async function answers(m: Member, pid: Parameters<typeof getHero>[1]): Promise<boolean> {
  try {
    await getHero(m.node.system, pid);
    return true;
  } catch {
    return false;
  }
}
before(async () => {
  // A request gives up after 400 ms: well before this member decides it has no quorum (one
  // election timeout, 1–2 s), so the write below fails by its deadline.
  c = await startStoreCluster(['gotham', 'metropolis', 'capitol'], {
    durable: false,
    extras: { requestTimeoutMs: 400 },
  });
});
after(() => c.close());

function cutOff(lone: Member): void {
  const rest = c.members.filter((m) => m !== lone).map((m) => m.short);
  for (const m of c.members) m.node.faults.partition([lone.short], rest);
}

function heal(): void {
  for (const m of c.members) m.node.faults.heal();
}

function spawnHero(m: Member, heroes: HeroStore, id: string) {
  const behaviour = heroBehaviour({
    heroes,
    rng: seededRandom(1),
    now: Date.now,
    tickMs: 600_000, // no ticks of its own: every write below is one the test asked for
    retryMs: 100,
  });
  return m.node.system.spawn(behaviour, { key: id, args: {}, epoch: 1 });
}

test('a compare-and-set write that times out is dropped: the hero keeps its last committed value', async () => {
  const leader = c.leader();
  const lone = c.members.find((m) => m !== leader)!;
  const heroes = new HeroStore(lone.store);
  await heroes.create(newHero(FALCON, 'Captain Falcon', '', Date.now()));
  const pid = await spawnHero(lone, heroes, FALCON);
  await waitFor(() => answers(lone, pid), 10_000, 'the start-up read');
  const committed = await stored(heroes, FALCON);

  cutOff(lone);
  const failed = await assignHeroTo(lone.node.system, pid, 'metropolis').then(
    () => assert.fail('the assignment committed without a majority'),
    (err: unknown) => err,
  );
  assert.ok(failed instanceof DispatchError, String(failed));
  // Refused for want of a majority, or given up at its deadline with the outcome unknown.
  assert.ok(['no_quorum', 'outcome_unknown'].includes(failed.code), failed.code);
  const kept: Hero = await getHero(lone.node.system, pid);
  assert.equal(kept.location, committed.value.location, 'the actor reverted to the committed value');

  heal();
  await waitFor(async () => lone.store.writable(), 15_000, 'the member back in the majority');
  const after = await stored(heroes, FALCON);
  assert.equal(after.version, committed.version, 'nothing was written');
  assert.equal(after.value.location, committed.value.location);
  // And the actor still writes from the committed version: its next change commits.
  const moved = await assignHeroTo(lone.node.system, pid, 'capitol');
  assert.equal(moved.location, 'capitol');
  assert.equal((await stored(heroes, FALCON)).value.location, 'capitol');
});

test('a hero whose start-up read fails retries it until the store answers, then takes over its record', async () => {
  const leader = c.leader();
  const lone = c.members.find((m) => m !== leader)!;
  const heroes = new HeroStore(lone.store);
  await heroes.create(newHero(RAVEN, 'Night Raven', '', Date.now()));
  await lone.store.barrier();

  cutOff(lone);
  const pid = await spawnHero(lone, heroes, RAVEN);
  // While cut off, the hero cannot load: a call is refused as still loading, or fails for want of
  // a quorum, never answered with a hero.
  const early = await getHero(lone.node.system, pid).then(
    (hero) => assert.fail(`answered ${JSON.stringify(hero)} without a read`),
    (err: unknown) => err,
  );
  assert.ok(early instanceof DispatchError, String(early));
  assert.ok(['unavailable', 'no_quorum', 'timeout'].includes(early.code), early.code);
  assert.equal(lone.node.system.isAlive(pid), true, 'the actor waits rather than crash');

  heal();
  await waitFor(() => answers(lone, pid), 30_000, 'the retried read');
  assert.equal((await getHero(lone.node.system, pid)).name, 'Night Raven');
});
