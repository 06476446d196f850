/**
 * The City actor, one per city node: every 5 s one random hero in the city goes on patrol, and every
 * 5 s one random patrolling hero in the city fights a villain. It sends these to the hero's actor —
 * it never writes hero state itself. `destroy` crashes it on purpose; its supervisor restarts it at
 * most 3 times in 5 s, and the 4th crash takes the node down (the seeds' bombing).
 */
import type { ActorSystem, TypedBehaviour } from '@superhero-dispatch/runtime/actor';
import { actorName } from '@superhero-dispatch/runtime/actor';
import type { HeroDirectory } from './hero-directory.ts';
import type { HeroDest } from './hero-actor.ts';
import { patrol, villain } from './hero-actor.ts';
import { CITY_FIGHT_MS, CITY_PATROL_MS, pick } from './rules.ts';
import type { Rng } from './rules.ts';

export interface CityEnv {
  readonly city: string;
  readonly system: ActorSystem;
  readonly directory: HeroDirectory;
  /** Where a hero's actor is reached. */
  readonly heroDest: (id: string) => HeroDest;
  readonly rng: Rng;
  readonly patrolMs?: number;
  readonly fightMs?: number;
  readonly onEvent?: (message: string) => void;
}

type CityInfo = { readonly type: 'patrol' } | { readonly type: 'fight' };
export type CityCast = { readonly type: 'destroy' };

/** What a City actor accepts: no calls; `destroy` from the chaos controls, its own timers. */
export type CityProtocol = { casts: CityCast; infos: CityInfo };

/** The name each city node registers its City actor under (`{ name: CITY, node }` reaches it). */
export const CITY = actorName<CityProtocol>('city');

export function cityBehaviour(env: CityEnv): TypedBehaviour<CityProtocol, { city: string }> {
  return {
    name: 'city',
    init(_a, ctx) {
      ctx.sendAfter(env.patrolMs ?? CITY_PATROL_MS, { type: 'patrol' });
      ctx.sendAfter(env.fightMs ?? CITY_FIGHT_MS, { type: 'fight' });
      ctx.log.info({ city: env.city }, 'city is up');
      return { city: env.city };
    },
    handleInfo(msg, state, ctx) {
      if (msg.type === 'patrol') {
        ctx.sendAfter(env.patrolMs ?? CITY_PATROL_MS, msg);
        const hero = pick(env.directory.inCity(env.city), env.rng);
        if (hero) patrol(env.system, env.heroDest(hero.id));
      } else {
        ctx.sendAfter(env.fightMs ?? CITY_FIGHT_MS, msg);
        const hero = pick(
          env.directory.inCity(env.city).filter((h) => h.isPatrolling),
          env.rng,
        );
        if (hero) {
          villain(env.system, env.heroDest(hero.id));
          env.onEvent?.(`${hero.name} fights a villain in ${env.city}`);
        }
      }
      return state;
    },
    handleCast(msg, state) {
      if (msg.type === 'destroy') throw new Error(`${state.city} has been destroyed`);
      return state;
    },
  };
}
