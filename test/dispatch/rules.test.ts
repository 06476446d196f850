import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  HERO_TICK_MS,
  CITY_FIGHT_MS,
  CITY_PATROL_MS,
  assign,
  heroName,
  heroTick,
  isDead,
  newHero,
  randInt,
  startPatrol,
  villainFight,
} from '../../src/dispatch/rules.ts';
import { seededRandom } from '../../packages/runtime/src/testing/sim/index.ts';

const hero = newHero('00000000-0000-4000-8000-000000000000', 'Captain Falcon', 'gotham', 0);

test('intervals are the seeds: hero every 4 s, city patrol and fight every 5 s', () => {
  assert.equal(HERO_TICK_MS, 4000);
  assert.equal(CITY_PATROL_MS, 5000);
  assert.equal(CITY_FIGHT_MS, 5000);
});

test('a new hero is at home, idle, with 100 health and no fights', () => {
  assert.deepEqual(
    {
      location: hero.location,
      isPatrolling: hero.isPatrolling,
      health: hero.health,
      w: hero.fightsWon,
      l: hero.fightsLost,
    },
    { location: 'home', isPatrolling: false, health: 100, w: 0, l: 0 },
  );
});

test('hero tick: 1 in 4 rests, the rest fight half won half lost, with the seeds damage ranges', () => {
  const rng = seededRandom(7);
  const counts = { rest: 0, win: 0, loss: 0 };
  for (let i = 0; i < 40_000; i++) {
    const start = { ...hero, health: 50 };
    const { hero: h, outcome } = heroTick(start, rng, 1);
    counts[outcome]++;
    if (outcome === 'rest') {
      assert.ok(h.health >= 51 && h.health <= 90 && !h.isPatrolling);
    } else if (outcome === 'win') {
      assert.equal(h.fightsWon, 1);
      assert.equal(h.health, 50);
      assert.ok(h.isPatrolling);
    } else {
      assert.equal(h.fightsLost, 1);
      assert.ok(h.health >= 10 && h.health <= 49);
    }
  }
  assert.ok(Math.abs(counts.rest / 40_000 - 0.25) < 0.02, JSON.stringify(counts));
  assert.ok(Math.abs(counts.win / 40_000 - 0.375) < 0.02, JSON.stringify(counts));
});

test('rest never takes health above 100', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 100 }), fc.integer(), (health, seed) => {
      const { hero: h } = heroTick({ ...hero, health }, seededRandom(seed), 0);
      assert.ok(h.health <= 100 && h.health >= 0);
    }),
  );
});

test('villain fight deals 5..15 damage with a floor of 0, and death at 0', () => {
  const rng = seededRandom(3);
  for (let i = 0; i < 5000; i++) {
    const { hero: h, damage } = villainFight({ ...hero, health: 10 }, rng, 0);
    assert.ok(damage >= 5 && damage <= 15);
    assert.equal(h.health, Math.max(0, 10 - damage));
    assert.equal(isDead(h), damage >= 10);
  }
});

test('assign: location set, not patrolling, +20 health capped at 100', () => {
  const h = assign(startPatrol({ ...hero, health: 30 }, 0), 'gotham', 5);
  assert.deepEqual([h.location, h.isPatrolling, h.health, h.updatedAt], ['gotham', false, 50, 5]);
  assert.equal(assign({ ...hero, health: 95 }, 'home', 0).health, 100);
});

test('randInt covers both ends of its range', () => {
  const rng = seededRandom(1);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) seen.add(randInt(rng, 5, 15));
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  );
});

test('hero names are "Prefix Name"', () => {
  assert.match(heroName(seededRandom(9)), /^[A-Z][a-z]+ [A-Z][a-z]+$/);
});
