/**
 * The hero actor: one per hero, placed by the distributed supervisor (on its city's node while that
 * node is up). It owns the hero's state: every change goes through it and is written to the store
 * with compare-and-set on the version it last wrote, so a stale copy (the other side of a healed
 * partition) can never overwrite newer state — its write conflicts, and it adopts the stored value.
 *
 * Loop every 4 s (rules.ts): rest or fight. The steps of a node's heroes fall on shared slots of
 * the clock (100 to 800 ms: the longest that holds at most 80 of the node's steps,
 * `heroTickSlotMs`): a hero's first step moves by at most half a slot, its period stays 4 s, and
 * the writes of the heroes of one slot leave in one store transaction (group commit) instead of one
 * each, so a node pays the per-transaction cost of consensus per slot rather than per hero. The
 * city sends `patrol` and `villain`. At health ≤ 0 a tombstone replaces the record
 * (`hero-record.ts`), then the actor stops (normal exit: the placement record goes too). A
 * tombstone found on start, on a write or on a conflict stops it too: a terminated hero never acts
 * again, and neither does a duplicate from the other side of a partition.
 * A record that is absent is not a death: a replica that restarted empty (a destroyed city, crdt
 * mode) or that a create has not reached yet does not hold it. The start-up read is retried, and a
 * call or write that needs the record is refused (503, nothing written) until it is there.
 * On a timeout or without quorum the change is dropped and the last committed value kept. A step
 * that changes nothing but the time (a rest at full health, a patrol order to a hero already on
 * patrol) is not written: the stored record already says the same.
 *
 * Moving: an assignment (raft and etcd mode) moves the actor in its own transaction — the new
 * record, and the placement record given to the city's node with that record as the hand-off — and
 * this copy stops after answering. Other moves (a node coming back that the hero's city belongs
 * to): the old owner asks the actor for its state and gives it, with the placement record, to the
 * next owner. Either way the next actor starts on the state given without reading the store. Safe because every answer is
 * checked against the store: a change is a compare-and-set on the version handed over, and an assign
 * that writes nothing reads the record first. A hero buried while its actor moved (the service buries
 * the record itself when no actor answers) loses its placement record too, which stops the new copy;
 * until then any write of that copy finds the tombstone and stops it. A hand-off after a write of
 * unknown outcome is marked `unsure`, and the next owner reads the record as on a fresh start.
 *
 * Calls answer with the stored record (`LiveRecord`); the service turns it into the API's `Hero`.
 * An assign or terminate carrying an idempotency key already in the record is answered without
 * being applied again. Errors write nothing, except `outcome_unknown` (the write may still apply).
 *
 * Client API: `getHero`, `assignHeroTo`, `terminateHeroActor` (calls), `patrol`, `villain`
 * (casts), all through a typed reference to the hero (`HeroProtocol`); `heroIn(registry, id)`
 * names a hero in the placement registry whose `hero` kind is this behaviour.
 */
import type {
  ActorContext,
  ActorSystem,
  CallOf,
  CallResult,
  NameResolver,
  TypedBehaviour,
  TypedDest,
} from '@superhero-dispatch/runtime/actor';
import { typedResolver } from '@superhero-dispatch/runtime/actor';
import type { FencedWriter, PlacedInit, PlacementCall } from '@superhero-dispatch/runtime/placement';
import { isPlacementCall } from '@superhero-dispatch/runtime/placement';
import type { LiveRecord } from './hero-record.ts';
import { applied, carryOver, isTombstone, toTombstone, withRequest } from './hero-record.ts';
import type { HeroStore } from './hero-store.ts';
import type { Hero, Location } from './model.ts';
import { HERO_TICK_MS, assign, heroTick, isDead, startPatrol, villainFight } from './rules.ts';
import type { Rng } from './rules.ts';
import { StoreError } from '@superhero-dispatch/runtime/store';
import { DispatchError } from './service.ts';
import { toWriteError } from './write-error.ts';

export interface HeroEnv {
  readonly heroes: HeroStore;
  readonly rng: Rng;
  readonly now: () => number;
  readonly tickMs?: number;
  /**
   * Loop steps fall on multiples of this many ms of `now()`, so the steps (and writes) of a node's
   * heroes come in groups. Default: chosen at each step from `localHeroes` (`heroTickSlotMs`); 0,
   * or a `tickMs` that is not a multiple of it, leaves every step exactly `tickMs` after the last.
   */
  readonly tickSlotMs?: number;
  /** Heroes running on this node, which the default slot is chosen by. Default: none counted. */
  readonly localHeroes?: () => number;
  /** Retry period of the start-up read, ms. Default 2 000 (episode 6). */
  readonly retryMs?: number;
  /** Each step that changed nothing and so wrote nothing (metrics). */
  readonly onUnchanged?: () => void;
}

export type HeroCast = { readonly type: 'patrol' } | { readonly type: 'villain' };
export type HeroInfo = { readonly type: 'tick' } | { readonly type: 'load' };

/** What a hero actor accepts, and what each call answers. */
export type HeroProtocol = {
  calls:
    | [msg: { readonly type: 'get' }, reply: LiveRecord]
    | [
        msg: { readonly type: 'assign'; readonly location: Location; readonly key?: string },
        reply: LiveRecord,
      ]
    | [msg: { readonly type: 'terminate'; readonly key?: string }, reply: boolean]
    | [msg: PlacementCall, reply: unknown];
  casts: HeroCast;
  infos: HeroInfo;
};

export type HeroCall = CallOf<HeroProtocol>;

/** Where a hero actor is reached, typed by its protocol. */
export type HeroDest = TypedDest<HeroProtocol>;

/** The hero `id` in a placement registry whose `hero` kind runs `heroBehaviour`. */
export const heroIn = (registry: NameResolver, id: string): HeroDest => ({
  via: typedResolver<HeroProtocol>(registry),
  key: id,
});

interface State {
  readonly id: string;
  /** Last value committed to the store; undefined until loaded and once buried. */
  hero: LiveRecord | undefined;
  version: number;
  /** The start-up read has been done (or started by an early call). */
  loaded: boolean;
  /**
   * How `commit`'s last write failed, if it did: `unknown` — it may still apply (the answer must
   * say so, and a hand-off is marked unsure); `moved` — this copy no longer owns the hero's
   * placement record (it is moving); `absent` — its compare-and-set found no record in the store
   * here (a replica refilling from its peers), so nothing was written.
   */
  failure?: 'unknown' | 'moved' | 'absent' | undefined;
  /** Writes fenced by this copy's placement epoch (CP); an assignment moves the actor through it. */
  readonly fenced?: FencedWriter;
}

/**
 * The state a moving actor hands to its next owner: the record it last committed and its version;
 * `unsure` when a write of its own timed out (it may since have applied, so the next owner reads).
 * Without `version`, the record was committed in the transaction that gave the placement record
 * away (an assignment), so its version is the placement record's: `init.version`.
 */
interface Handoff {
  readonly hero: LiveRecord;
  readonly version?: number;
  readonly unsure?: boolean;
}

/** The placement args of a hero: its location, which the `city` strategy places it by. */
interface Placed {
  readonly location: Location;
}

/** Attempts of an assign or terminate that lost a compare-and-set race to another write. */
const CONFLICT_RETRIES = 3;

/**
 * The longer slots of the heroes' loop steps, ms, longest first. A longer slot means fewer,
 * larger store transactions: at 1,000 heroes in raft mode, 800-ms slots cut the transactions from
 * ~40 to ~7 a second and the cluster's CPU per write by about a third against 100-ms slots. But a
 * slot's steps run, write and reach the page in one burst, and a hero's event waits for the
 * burst's work ahead of it: with 5,000 heroes in 400-ms slots the page's event lag p99 went from
 * ~30 to ~90 ms, with 25,000 heroes creates fell behind deaths sooner. A step waits at most half a
 * slot once (400 ms), which a 4-second loop does not show.
 */
export const HERO_TICK_SLOTS_MS: readonly number[] = [800, 400, 200];

/** The shortest slot, used when none of `HERO_TICK_SLOTS_MS` fits. */
export const HERO_TICK_SLOT_MS = 100;

/**
 * Steps of one node in one slot at most, for a longer slot to be chosen: about what a 100-ms slot
 * held at 10,000 heroes (83 per node), a burst whose events reached the page within ~75 ms (p99).
 */
export const HERO_SLOT_STEPS = 80;

/**
 * The slot for a node running `localHeroes` heroes that step every `tickMs`: the longest of
 * `HERO_TICK_SLOTS_MS` that divides `tickMs` and holds at most `HERO_SLOT_STEPS` of their steps
 * (each hero steps `slot / tickMs` times per slot), else `HERO_TICK_SLOT_MS`. With the 4-s loop:
 * 800 ms up to 400 heroes on the node, 400 up to 800, 200 up to 1,600, then 100.
 */
export function heroTickSlotMs(localHeroes: number, tickMs: number): number {
  for (const slot of HERO_TICK_SLOTS_MS) {
    if (tickMs % slot === 0 && (localHeroes * slot) / tickMs <= HERO_SLOT_STEPS) return slot;
  }
  return HERO_TICK_SLOT_MS;
}

/**
 * The delay until the next loop step: `tickMs` from `now`, moved to the nearest multiple of
 * `slotMs`. A timer that fired late by less than half a slot thus keeps its slot, and the period
 * stays `tickMs`.
 */
export function nextStepIn(now: number, tickMs: number, slotMs: number): number {
  if (slotMs <= 0 || tickMs % slotMs !== 0) return tickMs;
  return Math.max(0, Math.round((now + tickMs) / slotMs) * slotMs - now);
}

export function heroBehaviour(env: HeroEnv): TypedBehaviour<HeroProtocol, State, PlacedInit> {
  const tickMs = env.tickMs ?? HERO_TICK_MS;
  const slotMs = (): number => env.tickSlotMs ?? heroTickSlotMs(env.localHeroes?.() ?? 0, tickMs);
  const scheduleTick = (ctx: ActorContext): void =>
    void ctx.sendAfter(nextStepIn(env.now(), tickMs, slotMs()), { type: 'tick' });

  /** Terminated (a tombstone stands): stop without writing again. */
  function buried(state: State, ctx: ActorContext): State {
    ctx.log.info({ hero: state.id }, 'hero is terminated; stopping');
    ctx.stop('normal');
    return { ...state, hero: undefined };
  }

  /**
   * Write `next`; returns the state to keep: the new value, the stored one on conflict, or the old
   * one. With `place` (an assignment, CP), the placement record takes the new location in the same
   * transaction, and placement moves the actor there.
   */
  async function commit(state: State, next: LiveRecord, ctx: ActorContext, place?: Placed): Promise<State> {
    const outcome =
      place !== undefined && state.fenced !== undefined
        ? await env.heroes.writeAndPlace(next, state.version, state.fenced, place, {
            hero: next,
          } satisfies Handoff)
        : await env.heroes.write(next, state.version);
    if (outcome.ok) return { ...state, hero: next, version: outcome.version, failure: undefined };
    if (outcome.reason === 'dead') return buried(state, ctx);
    if (outcome.reason === 'moved') {
      ctx.log.info({ hero: state.id, err: outcome.error.message }, 'another node owns the hero now');
      return { ...state, failure: 'moved' };
    }
    if (outcome.reason === 'conflict') {
      ctx.log.info({ hero: state.id }, 'write conflict; adopting the stored value');
      return { ...state, hero: outcome.current.value, version: outcome.current.version, failure: undefined };
    }
    ctx.log.warn(
      { hero: state.id, err: outcome.error.message },
      'store unavailable; keeping the last committed value',
    );
    if (outcome.reason === 'absent') return { ...state, failure: 'absent' };
    return { ...state, failure: outcome.maybeApplied ? 'unknown' : undefined };
  }

  /**
   * Replace the record by a tombstone (death or termination): `buried` when this write did it (or a
   * retry of it, by `key`), `already` when another tombstone stands, or the newer live state to try
   * again on after a lost compare-and-set. Rejects with the store's error.
   */
  async function bury(
    state: State,
    hero: LiveRecord,
    key: string | undefined,
  ): Promise<'buried' | 'already' | State> {
    try {
      await env.heroes.bury(toTombstone(hero, env.now(), key), state.version);
      return 'buried';
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 'conflict')) throw err;
      const current = await env.heroes.read(state.id, true);
      if (!current) throw notHere(state.id);
      if (isTombstone(current.value)) return applied(current.value, key) ? 'buried' : 'already';
      return { ...state, hero: current.value, version: current.version };
    }
  }

  async function die(state: State, ctx: ActorContext): Promise<State> {
    if (!state.hero) return state;
    try {
      const out = await bury(state, state.hero, undefined);
      if (typeof out !== 'string') return out;
    } catch (err) {
      ctx.log.warn({ hero: state.id, err: String(err) }, 'could not bury the dead hero yet; will retry');
      return state;
    }
    ctx.log.info({ hero: state.id, name: state.hero.name }, 'hero died');
    return buried(state, ctx);
  }

  async function change(state: State, ctx: ActorContext, f: (h: Hero) => Hero): Promise<State> {
    if (!state.hero) return state;
    if (isDead(state.hero)) return die(state, ctx);
    const wanted = carryOver(state.hero, f(state.hero));
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
    let stored;
    try {
      stored = await env.heroes.read(state.id);
    } catch (err) {
      ctx.log.warn({ hero: state.id, err: String(err) }, 'start-up read failed; retrying');
      if (retry) ctx.sendAfter(env.retryMs ?? 2000, { type: 'load' });
      return { ...state, loaded: false };
    }
    if (!stored) {
      // Not in this replica (yet): not a death. Asked again, like a failed read.
      ctx.log.warn({ hero: state.id }, "the hero's record is not in the store here yet; retrying");
      if (retry) ctx.sendAfter(env.retryMs ?? 2000, { type: 'load' });
      return { ...state, loaded: false };
    }
    if (isTombstone(stored.value)) return buried(state, ctx);
    scheduleTick(ctx);
    // An unsure hand-off's state newer than the store's (it never is, as the actor writes before it
    // adopts) would be kept; otherwise the stored record is the truth.
    if (state.hero && state.version >= stored.version) return state;
    return { ...state, hero: stored.value, version: stored.version };
  }

  /** Whether `state` is still the stored record: `current`, `dead`, the newer state, or `unavailable`. */
  async function confirmCurrent(
    state: State,
  ): Promise<'current' | 'dead' | 'unavailable' | 'absent' | State> {
    let stored;
    try {
      stored = await env.heroes.read(state.id);
    } catch {
      return 'unavailable';
    }
    if (!stored) return 'absent';
    if (isTombstone(stored.value)) return 'dead';
    if (stored.version === state.version) return 'current';
    return { ...state, hero: stored.value, version: stored.version };
  }

  async function assignCall(state: State, location: Location, key: string | undefined, ctx: ActorContext) {
    let current = state;
    for (let attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
      const hero = current.hero;
      if (!hero) return { error: dead(current.id), state: current };
      if (applied(hero, key)) return { reply: hero, state: current };
      if (isDead(hero)) return { error: dead(hero.name), state: await die(current, ctx) };
      const wanted = withRequest(carryOver(hero, assign(hero, location, env.now())), key);
      // Already there, idle and at full health, no key to record: nothing to write.
      if (sameButTime(wanted, hero) && key === undefined) {
        // Nothing to write, if this actor's value is still the store's: a copy cut off from the
        // majority may not yet know of its successor's newer write, so a read of the store (in raft
        // mode a linearizable one) confirms it before the answer.
        const fresh = await confirmCurrent(current);
        if (fresh === 'current') return { reply: hero, state: current };
        if (fresh === 'absent') return { error: notHere(hero.id), state: current };
        if (fresh === 'unavailable')
          return {
            error: new DispatchError('no_quorum', 'no quorum: the hero could not be read'),
            state: current,
          };
        if (fresh === 'dead') return { error: dead(hero.name), state: buried(current, ctx) };
        current = fresh;
        continue;
      }
      const before = current.version;
      const next = await commit(current, wanted, ctx, { location });
      if (!next.hero) return { error: dead(hero.name), state: next };
      if (next.version !== before && next.hero === wanted) return { reply: next.hero, state: next };
      if (next.version === before) {
        const error =
          next.failure === 'unknown'
            ? new DispatchError('outcome_unknown', 'the assignment may or may not have been committed')
            : next.failure === 'moved'
              ? new DispatchError('unavailable', `${hero.name} is moving to another node; try again`)
              : next.failure === 'absent'
                ? notHere(hero.id)
                : new DispatchError('no_quorum', 'no quorum: the assignment could not be committed');
        return { error, state: next };
      }
      current = next; // lost a race: adopted the stored value, try again on it
    }
    return {
      error: new DispatchError('unavailable', 'the hero changed too often; try again'),
      state: current,
    };
  }

  async function terminateCall(state: State, key: string | undefined) {
    let current = state;
    for (let attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
      if (!current.hero) return { error: dead(current.id), state: current };
      let out;
      try {
        out = await bury(current, current.hero, key);
      } catch (err) {
        return { error: toWriteError(err), state: current };
      }
      if (out === 'buried') return { reply: true, state: current };
      if (out === 'already')
        return { error: dead(current.hero.name), state: { ...current, hero: undefined } };
      current = out;
    }
    return {
      error: new DispatchError('unavailable', 'the hero changed too often; try again'),
      state: current,
    };
  }

  return {
    name: 'hero',
    init(init, ctx) {
      const handoff = init.handoff as Handoff | undefined;
      const fenced = init.fenced === undefined ? {} : { fenced: init.fenced };
      if (handoff !== undefined && handoff.unsure !== true) {
        // Given with the record at this epoch: the state the last owner committed, and every write
        // is a compare-and-set on its version, so it needs no read (see "Moving" above).
        scheduleTick(ctx);
        const version = handoff.version ?? init.version ?? 0;
        return { id: init.key, hero: handoff.hero, version, loaded: true, ...fenced };
      }
      ctx.sendAfter(0, { type: 'load' });
      return { id: init.key, hero: handoff?.hero, version: handoff?.version ?? 0, loaded: false, ...fenced };
    },
    async handleInfo(msg, state, ctx) {
      if (msg.type === 'load') return state.loaded ? state : load({ ...state, loaded: true }, ctx, true);
      if (msg.type === 'tick') {
        scheduleTick(ctx);
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
        if (msg.$placement === 'handoff') {
          if (!state.hero) return { reply: undefined, state };
          const given: Handoff = { hero: state.hero, version: state.version };
          return { reply: state.failure === 'unknown' ? { ...given, unsure: true } : given, state };
        }
        const other = msg.state as Handoff | undefined;
        if (other?.version !== undefined && state.hero && other.version > state.version) {
          return { reply: 'merged', state: { ...state, hero: other.hero, version: other.version } };
        }
        return { reply: 'kept', state };
      }
      if (!state.hero) {
        // Stopping (buried) or still loading: the tombstone or the next try will tell.
        ctx.replyError(from, new DispatchError('unavailable', `hero ${state.id} is not running here now`));
        return { noreply: true, state };
      }
      let result: { reply?: unknown; error?: DispatchError; state: State };
      switch (msg.type) {
        case 'get':
          return { reply: state.hero, state };
        case 'assign':
          result = await assignCall(state, msg.location, msg.key, ctx);
          break;
        case 'terminate':
          result = await terminateCall(state, msg.key);
          if (result.error === undefined) {
            ctx.stop('normal');
            result = { reply: true, state: { ...result.state, hero: undefined } };
          }
          break;
      }
      if (result.error) {
        // Found buried (by another copy or a delete elsewhere): this copy is done too.
        if (!result.state.hero) ctx.stop('normal');
        ctx.replyError(from, result.error);
        return { noreply: true, state: result.state };
      }
      return { reply: result.reply, state: result.state };
    },
  };
}

/** The record is not in this node's replica (yet): nothing was written. */
function notHere(id: string): DispatchError {
  return new DispatchError(
    'unavailable',
    `hero ${id}'s record is not in the store here yet (a replica refilling from its peers); try again`,
  );
}

function dead(name: string): DispatchError {
  return new DispatchError('dead_hero', `${name} is dead and cannot be assigned or terminated`);
}

/** Whether `a` and `b` differ at most in `updatedAt`. */
export function sameButTime(a: LiveRecord, b: LiveRecord): boolean {
  const keys = Object.keys(a) as (keyof LiveRecord)[];
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (k !== 'updatedAt' && a[k] !== b[k]) return false;
  return true;
}

export const getHero = (system: ActorSystem, hero: HeroDest): Promise<LiveRecord> =>
  system.ref(hero).call({ type: 'get' });
export const assignHeroTo = (
  system: ActorSystem,
  hero: HeroDest,
  location: Location,
  key?: string,
): Promise<LiveRecord> =>
  system.ref(hero).call(key === undefined ? { type: 'assign', location } : { type: 'assign', location, key });
export const terminateHeroActor = (system: ActorSystem, hero: HeroDest, key?: string): Promise<boolean> =>
  system.ref(hero).call(key === undefined ? { type: 'terminate' } : { type: 'terminate', key });
export const patrol = (system: ActorSystem, hero: HeroDest): void =>
  system.ref(hero).cast({ type: 'patrol' });
export const villain = (system: ActorSystem, hero: HeroDest): void =>
  system.ref(hero).cast({ type: 'villain' });
