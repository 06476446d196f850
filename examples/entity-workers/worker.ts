/**
 * The entity worker: one actor per entity in the whole cluster (registered under a global name by
 * the host), holding the entity's record in memory so `getEntity` does not read the store — the
 * article's "expensive database" optimisation, kept correct.
 *
 * Lifecycle:
 * - `init` reads the record from the store (an entity never written reads as `initialized`); a
 *   store that cannot answer (e.g. Raft without quorum) fails the start, and the caller gets
 *   `EntityUnavailableError`.
 * - `set` stamps the write (`nextStamp`, newer than everything the worker has seen), writes the
 *   whole record with compare-and-set on the version it last saw, and replies only after the store
 *   accepted it. On a version conflict (another writer reached the store: the other side of a split,
 *   or a store merge) it reads the stored record, takes the union, and tries again.
 * - It stops after `idleMs` without a request (the original never stopped its workers).
 * - It traps exits. When the global-name resolver picks another worker for its entity, the loser
 *   gets `{ name_conflict, winner }`, hands its record to the winner (`handover`: the winner takes
 *   the union, writes it, and keeps the newest write as current) and stops. If the winner stops
 *   first (it lost the name too: three sides meeting), the loser hands over to the name's new
 *   holder. Only if no holder takes the record within `handoverTimeoutMs` does the loser merge it
 *   into the store itself; the survivor learns of it from the store's change feed (`stored`).
 * - `stored`: a connected node wrote the record without passing through this worker, or (CRDT
 *   store) the key gained a concurrent record hidden behind the visible one; it takes in the writes
 *   it lacks from every record of the key (`takeStored`) and stores the union.
 * - On a store that keeps concurrent records of a key (`Table.concurrent`: the CRDT store), `init`,
 *   `takeStored` and every write merge all of them, not only the visible one.
 *
 * Supervision: `temporary` under the node's dynamic supervisor — not restarted; the next request
 * starts a fresh worker that reloads from the store, so a restart never races the global name.
 *
 * When not to use: for entities that must not diverge at all during a partition, pair the workers
 * with the Raft store: the minority side then refuses writes instead of recording a conflict.
 */
import type {
  ActorContext,
  ActorSystem,
  Behaviour,
  CallResult,
  Dest,
  Pid,
  TimerRef,
} from '@superhero-dispatch/runtime/actor';
import { isExit, pidKey } from '@superhero-dispatch/runtime/actor';
import type { Table, Versioned } from '@superhero-dispatch/runtime/store';
import type { Entity, EntityRecord, EntityState, Stamp } from './entity.ts';
import {
  applyWrite,
  currentWrite,
  emptyRecord,
  hasNewWrites,
  isEntityRecord,
  mergeRecords,
  viewOf,
} from './entity.ts';
import { EntityUnavailableError } from './errors.ts';

export interface WorkerEnv {
  readonly system: ActorSystem;
  readonly table: Table<EntityRecord>;
  /** This node's clock: the next stamp after `after` (see `nextStamp`). */
  readonly stamp: (after?: Stamp) => Stamp;
  readonly historyLimit: number;
  readonly idleMs: number;
  readonly handoverTimeoutMs: number;
  /** The entity's worker as this node's global names see it now. */
  readonly holder: (id: string) => Pid | undefined;
}

export interface WorkerArgs {
  readonly id: string;
  readonly env: WorkerEnv;
}

export type WorkerCall =
  | { readonly type: 'get' }
  | { readonly type: 'set'; readonly state: EntityState }
  | { readonly type: 'handover'; readonly record: EntityRecord };

/**
 * `idle`: the idle timer of generation `gen`. `stored`: another node wrote the entity's record into
 * the store (sent by the service's change feed listener; see `takeStored`).
 */
export type WorkerInfo = { readonly type: 'idle'; readonly gen: number } | { readonly type: 'stored' };

interface State {
  readonly id: string;
  readonly env: WorkerEnv;
  readonly record: EntityRecord;
  /** Store version of `record` (0: not in the store). */
  readonly version: number;
  readonly gen: number;
  readonly idleTimer: TimerRef | undefined;
}

/** Compare-and-set attempts before a write is reported unavailable (each lost one merged a newer record). */
const MAX_CAS_ATTEMPTS = 8;

/**
 * Every record the store holds for `id`, the one `get` shows first. Several only on a store that
 * keeps concurrent writes of a key (CRDT: two sides' records that met); the others hold one.
 */
async function readAll(env: WorkerEnv, id: string): Promise<Versioned<EntityRecord>[]> {
  if (env.table.concurrent) return env.table.concurrent(id);
  const stored = await env.table.get(id);
  return stored ? [stored] : [];
}

/** The union of `base` and every well-formed record of `values`. */
function mergeAll(
  base: EntityRecord,
  values: readonly Versioned<EntityRecord>[],
  id: string,
  historyLimit: number,
): EntityRecord {
  let rec = base;
  for (const v of values) if (isEntityRecord(v.value, id)) rec = mergeRecords(rec, v.value, historyLimit);
  return rec;
}

/**
 * Writes `record`, merging whatever another writer stored meanwhile. Resolves with what was stored.
 * On a store that keeps concurrent records of a key, every one of them is merged in before the
 * write, since the write replaces them all (CRDT: they are read and replaced in one step of this
 * node, as the table's calls do not wait for the network).
 */
export async function persist(
  env: WorkerEnv,
  id: string,
  record: EntityRecord,
  version: number,
): Promise<{ record: EntityRecord; version: number }> {
  let rec = record;
  let expect = version;
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    if (env.table.concurrent) {
      const all = await env.table.concurrent(id);
      if (all.length > 1) {
        rec = mergeAll(rec, all, id, env.historyLimit);
        expect = all[0]!.version;
      }
    }
    try {
      const v = await env.table.put(id, rec, { expectVersion: expect });
      return { record: rec, version: v };
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'conflict') throw err;
      const all = await readAll(env, id);
      expect = all[0]?.version ?? 0;
      rec = mergeAll(rec, all, id, env.historyLimit);
    }
  }
  throw new EntityUnavailableError(id, `the store kept reporting conflicts (${MAX_CAS_ATTEMPTS} attempts)`);
}

/**
 * Takes in writes that reached the store without passing through this worker: a loser that could
 * not hand over and merged into the store itself, or a side whose worker had already stopped when
 * the sides met — on the CRDT store its record may be the visible one or a concurrent one hidden
 * behind it, and every record of the key is merged. The union is written back whenever the store
 * lacks some of it: several concurrent records, or a visible one lacking writes only this worker
 * holds (a concurrent write of another node, a worker that wrote before it lost the name, can be
 * the visible value everywhere).
 */
async function takeStored(state: State, ctx: ActorContext): Promise<State> {
  const { env, id } = state;
  let all: Versioned<EntityRecord>[];
  try {
    all = await readAll(env, id);
  } catch (err) {
    ctx.log.warn({ entity: id, err: String(err) }, 'could not read a changed record');
    return state;
  }
  const visible = all[0];
  if (!visible || !all.some((v) => isEntityRecord(v.value, id))) return state;
  const merged = mergeAll(state.record, all, id, env.historyLimit);
  const complete =
    all.length === 1 && isEntityRecord(visible.value, id) && !hasNewWrites(visible.value, merged);
  if (complete) return { ...state, record: merged, version: visible.version };
  try {
    const saved = await persist(env, id, merged, visible.version);
    ctx.log.info({ entity: id, state: viewOf(saved.record).state }, 'merged the stored record with its own');
    return { ...state, ...saved };
  } catch (err) {
    ctx.log.warn({ entity: id, err: String(err) }, 'could not store the merged record');
    return { ...state, record: merged };
  }
}

function touch(state: State, ctx: ActorContext): State {
  if (state.idleTimer) ctx.cancelTimer(state.idleTimer);
  const gen = state.gen + 1;
  const idleTimer = Number.isFinite(state.env.idleMs)
    ? ctx.sendAfter(state.env.idleMs, { type: 'idle', gen } satisfies WorkerInfo)
    : undefined;
  return { ...state, gen, idleTimer };
}

/** How often a loser whose winner went away looks up the entity's name again, ms. */
const HOLDER_POLL_MS = 10;
/** Call failures that mean the winner stopped or is out of reach, so the name may have moved on. */
const WINNER_GONE = new Set(['exit', 'noproc', 'noconnection']);

/**
 * Hands the record to the winner; if the winner stops before taking it (it lost the name itself:
 * three sides meeting, the winner of one conflict losing the next), hands it to whoever holds the
 * name now, until `handoverTimeoutMs` has passed. Only then does it merge into the store itself.
 */
async function handOver(state: State, winner: Pid, ctx: ActorContext): Promise<void> {
  const { env, id } = state;
  const deadline = Date.now() + env.handoverTimeoutMs;
  let target: Pid | undefined = winner;
  const tried = new Set<string>();
  while (target) {
    tried.add(pidKey(target));
    try {
      await env.system.call(
        target,
        { type: 'handover', record: state.record } satisfies WorkerCall,
        Math.max(1, deadline - Date.now()),
      );
      ctx.log.info({ entity: id, winner: target.node }, 'lost the global name; state handed to the winner');
      return;
    } catch (err) {
      ctx.log.warn({ entity: id, winner: target.node, err: String(err) }, 'hand-over failed');
      // A winner that answered (it could not store the union) or timed out is still the holder.
      if (!WINNER_GONE.has(String((err as { code?: unknown }).code))) break;
    }
    target = undefined;
    while (!target && Date.now() < deadline) {
      const holder = env.holder(id);
      if (holder && !tried.has(pidKey(holder)) && pidKey(holder) !== pidKey(ctx.self)) target = holder;
      else await new Promise((resolve) => setTimeout(resolve, HOLDER_POLL_MS));
    }
  }
  ctx.log.warn({ entity: id }, 'no winner took the state; merging into the store instead');
  try {
    await persist(env, id, state.record, state.version);
  } catch (err) {
    ctx.log.error({ entity: id, err: String(err) }, 'could not hand over nor store the losing worker state');
  }
}

export const entityWorker: Behaviour<State, WorkerArgs, WorkerCall, unknown, never, WorkerInfo> = {
  name: 'entity-worker',
  async init({ id, env }, ctx) {
    ctx.trapExits(true);
    let all: Versioned<EntityRecord>[];
    try {
      all = await readAll(env, id);
    } catch (err) {
      throw new EntityUnavailableError(id, 'the store could not be read', err);
    }
    if (all.some((v) => !isEntityRecord(v.value, id)))
      ctx.log.warn({ entity: id }, 'a stored record has an unknown shape; it is left out');
    const record = mergeAll(emptyRecord(id), all, id, env.historyLimit);
    const state = touch(
      { id, env, record, version: all[0]?.version ?? 0, gen: 0, idleTimer: undefined },
      ctx,
    );
    // Concurrent records (CRDT, two sides that met while this entity had no worker): store their
    // union, so that the next write does not start from one of them (`takeStored` does it).
    if (all.length > 1) ctx.sendAfter(0, { type: 'stored' } satisfies WorkerInfo);
    return state;
  },

  async handleCall(msg, from, current, ctx): Promise<CallResult<State, unknown>> {
    const state = touch(current, ctx);
    const { env, id } = state;
    switch (msg.type) {
      case 'get':
        return { reply: viewOf(state.record), state };
      case 'set': {
        const stamp = env.stamp(currentWrite(state.record)?.stamp);
        const next = applyWrite(state.record, msg.state, stamp, env.historyLimit);
        try {
          const saved = await persist(env, id, next, state.version);
          return { reply: viewOf(saved.record), state: { ...state, ...saved } };
        } catch (err) {
          ctx.replyError(from, new EntityUnavailableError(id, `write not acknowledged: ${String(err)}`, err));
          return { noreply: true, state };
        }
      }
      case 'handover': {
        if (!isEntityRecord(msg.record, id)) {
          ctx.replyError(from, new EntityUnavailableError(id, 'hand-over carried a malformed record'));
          return { noreply: true, state };
        }
        if (!hasNewWrites(state.record, msg.record)) return { reply: true, state };
        const merged = mergeRecords(state.record, msg.record, env.historyLimit);
        try {
          const saved = await persist(env, id, merged, state.version);
          ctx.log.info({ entity: id, state: viewOf(saved.record).state }, 'took over a losing worker state');
          return { reply: true, state: { ...state, ...saved } };
        } catch (err) {
          // Keep the union in memory anyway: it is what the survivor serves from now on.
          ctx.replyError(from, new EntityUnavailableError(id, 'hand-over could not be stored', err));
          return { noreply: true, state: { ...state, record: merged } };
        }
      }
    }
  },

  async handleInfo(msg, state, ctx) {
    if (isExit(msg)) {
      const reason = msg.reason as { name_conflict?: unknown; winner?: Pid } | null;
      if (typeof reason === 'object' && reason !== null && 'name_conflict' in reason && reason.winner) {
        await handOver(state, reason.winner, ctx);
        ctx.stop({ shutdown: 'name_conflict' });
      }
      return state;
    }
    if (msg.type === 'stored') return takeStored(state, ctx);
    if (msg.type === 'idle' && msg.gen === state.gen) ctx.stop('normal');
    return state;
  },
};

// ---- client API: callers never build messages by hand ----------------------------------------

export const workerGet = (system: ActorSystem, dest: Dest, timeoutMs?: number): Promise<Entity> =>
  system.call<Entity>(dest, { type: 'get' } satisfies WorkerCall, timeoutMs);

export const workerSet = (
  system: ActorSystem,
  dest: Dest,
  state: EntityState,
  timeoutMs?: number,
): Promise<Entity> => system.call<Entity>(dest, { type: 'set', state } satisfies WorkerCall, timeoutMs);
