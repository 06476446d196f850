/**
 * The hero actor: one per hero, placed by the distributed supervisor (on its city's node while that
 * node is up). It owns the hero's state: every change goes through it and is written to the store
 * with compare-and-set on the version it last wrote, so a stale copy (the other side of a healed
 * partition) can never overwrite newer state — its write conflicts, and it adopts the stored value.
 *
 * Loop every 4 s (rules.ts): rest or fight. The city sends `patrol` and `villain`. At health ≤ 0 the
 * record is deleted first, then the actor stops (normal exit: the placement record goes too).
 * On a timeout or without quorum the change is dropped and the last committed value kept. A step
 * that changes nothing but the time (a rest at full health, a patrol order to a hero already on
 * patrol) is not written: the stored record already says the same.
 *
 * Client API: `getHero`, `assignHero`, `terminateHero` (calls), `patrol`, `villain` (casts).
 */
import type { ActorContext, ActorSystem, Behaviour, CallResult, Dest } from '../actor/index.ts';
import type { PlacedInit, PlacementCall } from '../placement/index.ts';
import { isPlacementCall } from '../placement/index.ts';
import type { HeroStore } from './hero-store.ts';
import type { Hero, Location } from './model.ts';
import { HERO_TICK_MS, assign, heroTick, isDead, startPatrol, villainFight } from './rules.ts';
import type { Rng } from './rules.ts';
import { DispatchError, toDispatchError } from './service.ts';

export interface HeroEnv {
  readonly heroes: HeroStore;
  /** Short name of the node the actor runs on. */
  readonly nodeName: string;
  readonly rng: Rng;
  readonly now: () => number;
  readonly tickMs?: number;
  /** Retry period of the start-up read, ms. Default 2 000 (episode 6). */
  readonly retryMs?: number;
  /** Each step that changed nothing and so wrote nothing (metrics). */
  readonly onUnchanged?: () => void;
}

export type HeroCall =
  | { readonly type: 'get' }
  | { readonly type: 'assign'; readonly location: Location }
  | { readonly type: 'terminate' }
  | PlacementCall;

export type HeroCast = { readonly type: 'patrol' } | { readonly type: 'villain' };
type HeroInfo = { readonly type: 'tick' } | { readonly type: 'load' };

interface State {
  readonly id: string;
  /** Last value committed to the store; undefined until loaded. */
  hero: Hero | undefined;
  version: number;
  /** The start-up read has been done (or started by an early call). */
  loaded: boolean;
}

export function heroBehaviour(
  env: HeroEnv,
): Behaviour<State, PlacedInit, HeroCall, unknown, HeroCast, HeroInfo> {
  const tickMs = env.tickMs ?? HERO_TICK_MS;

  /** Write `next`; returns the state to keep: the new value, the stored one on conflict, or the old one. */
  async function commit(state: State, next: Hero, ctx: ActorContext): Promise<State> {
    const outcome = await env.heroes.write(next, state.version);
    if (outcome.ok) return { ...state, hero: next, version: outcome.version };
    if (outcome.reason === 'conflict') {
      if (!outcome.current) {
        // Deleted behind our back (terminated): stop without writing again.
        ctx.stop('normal');
        return state;
      }
      ctx.log.info({ hero: state.id }, 'write conflict; adopting the stored value');
      return { ...state, hero: outcome.current.value, version: outcome.current.version };
    }
    ctx.log.warn(
      { hero: state.id, err: outcome.error.message },
      'store unavailable; keeping the last committed value',
    );
    return state;
  }

  async function die(state: State, ctx: ActorContext): Promise<State> {
    try {
      await env.heroes.remove(state.id, state.version);
    } catch (err) {
      ctx.log.warn({ hero: state.id, err: String(err) }, 'could not delete the dead hero yet; will retry');
      return state;
    }
    ctx.log.info({ hero: state.id, name: state.hero?.name }, 'hero died');
    ctx.stop('normal');
    return { ...state, hero: undefined };
  }

  async function change(state: State, ctx: ActorContext, f: (h: Hero) => Hero): Promise<State> {
    if (!state.hero) return state;
    const wanted = f(state.hero);
    if (sameButTime(wanted, state.hero)) {
      env.onUnchanged?.();
      return state;
    }
    const next = await commit(state, wanted, ctx);
    if (next.hero && isDead(next.hero)) return die(next, ctx);
    return next;
  }

  /**
   * Read the record (on start, or when a call arrives before the first load). A failed read leaves
   * the state unloaded; only the `load` message's own attempts (`retry`) schedule the next one, so
   * calls made meanwhile do not start more retry timers.
   */
  async function load(state: State, ctx: ActorContext, retry = false): Promise<State> {
    let loaded: State;
    try {
      const stored = await env.heroes.read(state.id);
      if (!stored) {
        ctx.log.info({ hero: state.id }, 'no record for this hero; stopping');
        ctx.stop('normal');
        return state;
      }
      loaded = { ...state, hero: stored.value, version: stored.version };
    } catch (err) {
      ctx.log.warn({ hero: state.id, err: String(err) }, 'start-up read failed; retrying');
      if (retry) ctx.sendAfter(env.retryMs ?? 2000, { type: 'load' });
      return { ...state, loaded: false };
    }
    ctx.sendAfter(tickMs, { type: 'tick' });
    // Take over the record: it now runs here.
    if (loaded.hero && loaded.hero.node !== env.nodeName) {
      return change(loaded, ctx, (h) => ({ ...h, node: env.nodeName, updatedAt: env.now() }));
    }
    return loaded;
  }

  return {
    name: 'hero',
    init(init, ctx) {
      ctx.sendAfter(0, { type: 'load' });
      const handoff = init.handoff as { hero: Hero; version: number } | undefined;
      return { id: init.key, hero: handoff?.hero, version: handoff?.version ?? 0, loaded: false };
    },
    async handleInfo(msg, state, ctx) {
      if (msg.type === 'load') return state.loaded ? state : load({ ...state, loaded: true }, ctx, true);
      if (msg.type === 'tick') {
        ctx.sendAfter(tickMs, { type: 'tick' });
        return change(state, ctx, (h) => heroTick(h, env.rng, env.now()).hero);
      }
      return state;
    },
    async handleCast(msg, current, ctx) {
      const state = current.loaded ? current : await load({ ...current, loaded: true }, ctx);
      if (msg.type === 'patrol') return change(state, ctx, (h) => startPatrol(h, env.now()));
      return change(state, ctx, (h) => villainFight(h, env.rng, env.now()).hero);
    },
    async handleCall(msg, from, current, ctx): Promise<CallResult<State, unknown>> {
      const state =
        current.loaded || isPlacementCall(msg) ? current : await load({ ...current, loaded: true }, ctx);
      if (isPlacementCall(msg)) {
        if (msg.$placement === 'handoff')
          return { reply: state.hero ? { hero: state.hero, version: state.version } : undefined, state };
        const other = msg.state as { hero: Hero; version: number } | undefined;
        if (other && (!state.hero || other.version > state.version)) {
          return { reply: 'merged', state: { ...state, hero: other.hero, version: other.version } };
        }
        return { reply: 'kept', state };
      }
      if (!state.hero) {
        ctx.replyError(from, new DispatchError('unavailable', `hero ${state.id} is still loading`));
        return { noreply: true, state };
      }
      switch (msg.type) {
        case 'get':
          return { reply: state.hero, state };
        case 'assign': {
          if (isDead(state.hero)) {
            ctx.replyError(
              from,
              new DispatchError('dead_hero', `${state.hero.name} is dead and cannot be assigned`),
            );
            return { noreply: true, state };
          }
          const before = state.version;
          // Already there, idle and at full health: nothing to write, and the assignment stands.
          if (sameButTime(assign(state.hero, msg.location, env.now()), state.hero))
            return { reply: state.hero, state };
          const next = await change(state, ctx, (h) => assign(h, msg.location, env.now()));
          if (next.version === before || !next.hero || next.hero.location !== msg.location) {
            ctx.replyError(
              from,
              new DispatchError('no_quorum', 'no quorum: the assignment could not be committed'),
            );
            return { noreply: true, state: next };
          }
          return { reply: next.hero, state: next };
        }
        case 'terminate': {
          try {
            await env.heroes.remove(state.id);
          } catch (err) {
            ctx.replyError(from, toDispatchError(err));
            return { noreply: true, state };
          }
          ctx.stop('normal');
          return { reply: true, state: { ...state, hero: undefined } };
        }
      }
    },
  };
}

/** Whether `a` and `b` differ at most in `updatedAt`. */
export function sameButTime(a: Hero, b: Hero): boolean {
  const keys = Object.keys(a) as (keyof Hero)[];
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (k !== 'updatedAt' && a[k] !== b[k]) return false;
  return true;
}

export const getHero = (system: ActorSystem, dest: Dest): Promise<Hero> =>
  system.call<Hero>(dest, { type: 'get' });
export const assignHeroTo = (system: ActorSystem, dest: Dest, location: Location): Promise<Hero> =>
  system.call<Hero>(dest, { type: 'assign', location });
export const terminateHeroActor = (system: ActorSystem, dest: Dest): Promise<boolean> =>
  system.call<boolean>(dest, { type: 'terminate' });
export const patrol = (system: ActorSystem, dest: Dest): void => system.cast(dest, { type: 'patrol' });
export const villain = (system: ActorSystem, dest: Dest): void => system.cast(dest, { type: 'villain' });
