/**
 * The game's rules as pure functions: randomness comes in as `rng()` (uniform in [0, 1)) and time
 * as `now` (ms), so tests replay any sequence exactly. The hero and city actors apply them.
 *
 * Numbers, from the seeds: hero loop every 4 s — 1 in 4 rests (+1..40 health, max 100, not
 * patrolling), otherwise fights (patrolling; half win: +1 win; half lose: −1..40 health, +1 loss);
 * city patrol and villain fight every 5 s (5..15 damage); assignment +20 health (max 100); at health
 * ≤ 0 the hero dies.
 */
import type { Hero, Location } from './model.ts';

export const HERO_TICK_MS = 4000;
export const CITY_PATROL_MS = 5000;
export const CITY_FIGHT_MS = 5000;
export const MAX_HEALTH = 100;
export const ASSIGN_BONUS = 20;

export type Rng = () => number;

/** Uniform integer in [min, max]. */
export function randInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function isDead(hero: Hero): boolean {
  return hero.health <= 0;
}

export function newHero(id: string, name: string, node: string, now: number): Hero {
  return {
    id,
    name,
    location: 'home',
    node,
    isPatrolling: false,
    health: MAX_HEALTH,
    fightsWon: 0,
    fightsLost: 0,
    updatedAt: now,
  };
}

export type HeroTickOutcome = 'rest' | 'win' | 'loss';

/** The hero's own 4-second decision. */
export function heroTick(hero: Hero, rng: Rng, now: number): { hero: Hero; outcome: HeroTickOutcome } {
  if (rng() < 0.25) {
    const health = Math.min(MAX_HEALTH, hero.health + randInt(rng, 1, 40));
    return { hero: { ...hero, health, isPatrolling: false, updatedAt: now }, outcome: 'rest' };
  }
  if (rng() < 0.5) {
    return {
      hero: { ...hero, isPatrolling: true, fightsWon: hero.fightsWon + 1, updatedAt: now },
      outcome: 'win',
    };
  }
  const health = hero.health - randInt(rng, 1, 40);
  return {
    hero: {
      ...hero,
      isPatrolling: true,
      health: Math.max(health, 0),
      fightsLost: hero.fightsLost + 1,
      updatedAt: now,
    },
    outcome: 'loss',
  };
}

/** The city sends the hero on patrol. */
export function startPatrol(hero: Hero, now: number): Hero {
  return { ...hero, isPatrolling: true, updatedAt: now };
}

/** A villain fight started by the city: 5..15 damage, floor 0. */
export function villainFight(hero: Hero, rng: Rng, now: number): { hero: Hero; damage: number } {
  const damage = randInt(rng, 5, 15);
  return { hero: { ...hero, health: Math.max(0, hero.health - damage), updatedAt: now }, damage };
}

/** Assignment to a city or home: not patrolling, +20 health (max 100). */
export function assign(hero: Hero, location: Location, now: number): Hero {
  return {
    ...hero,
    location,
    isPatrolling: false,
    health: Math.min(MAX_HEALTH, hero.health + ASSIGN_BONUS),
    updatedAt: now,
  };
}

/** Pick one element uniformly, or undefined from an empty list. */
export function pick<T>(items: readonly T[], rng: Rng): T | undefined {
  if (items.length === 0) return undefined;
  return items[Math.floor(rng() * items.length)];
}

const PREFIXES = [
  'Captain',
  'Doctor',
  'Mister',
  'Lady',
  'Agent',
  'Professor',
  'Night',
  'Iron',
  'Silver',
  'Major',
  'Shadow',
  'Super',
];
const NAMES = [
  'Falcon',
  'Comet',
  'Tempest',
  'Phoenix',
  'Vortex',
  'Sentinel',
  'Blaze',
  'Nova',
  'Raven',
  'Titan',
  'Spectre',
  'Quasar',
  'Lynx',
  'Aurora',
  'Bolt',
  'Cyclone',
];

/** A "Prefix Name" hero name. */
export function heroName(rng: Rng): string {
  return `${pick(PREFIXES, rng) ?? 'Captain'} ${pick(NAMES, rng) ?? 'Falcon'}`;
}
