/**
 * Makes a hero die on its own in an in-process cluster, as a lost fight would: its record is set
 * to health 0 (compare-and-set over the stored version), then its actor is sent a villain, whose
 * write conflicts, adopts the stored record and buries the dead hero.
 */
import { heroIn, villain } from '../../src/dispatch/hero-actor.ts';
import { isTombstone } from '../../src/dispatch/hero-record.ts';
import { HeroStore } from '../../src/dispatch/hero-store.ts';
import type { Store } from '../../packages/runtime/src/store/types.ts';
import type { City } from './cities.ts';

export function heroesOf<S extends Store>(city: City<S>): HeroStore {
  return new HeroStore(city.store);
}

export async function killHero<S extends Store>(heroes: HeroStore, city: City<S>, id: string): Promise<void> {
  const stored = await heroes.read(id);
  if (!stored || isTombstone(stored.value)) throw new Error(`killHero: hero ${id} is not alive`);
  await heroes.table.put(id, { ...stored.value, health: 0 }, { expectVersion: stored.version });
  villain(city.node.system, heroIn(city.app.placement, id));
}
