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
 *   the union, writes it, and keeps the newest write as current) and stops. If the winner cannot be
 *   reached, the loser merges its record into the store itself, so no acknowledged write is lost.
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
} from '../../src/actor/index.ts';
import { isExit } from '../../src/actor/index.ts';
import type { Table } from '../../src/store/types.ts';
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
}

export interface WorkerArgs {
  readonly id: string;
  readonly env: WorkerEnv;
}

export type WorkerCall =
  | { readonly type: 'get' }
  | { readonly type: 'set'; readonly state: EntityState }
  | { readonly type: 'handover'; readonly record: EntityRecord };

type WorkerInfo = { readonly type: 'idle'; readonly gen: number };

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

/** Writes `record`, merging whatever another writer stored meanwhile. Resolves with what was stored. */
export async function persist(
  env: WorkerEnv,
  id: string,
  record: EntityRecord,
  version: number,
): Promise<{ record: EntityRecord; version: number }> {
  let rec = record;
  let expect = version;
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    try {
      const v = await env.table.put(id, rec, { expectVersion: expect });
      return { record: rec, version: v };
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'conflict') throw err;
      const stored = await env.table.get(id);
      expect = stored?.version ?? 0;
      if (stored && isEntityRecord(stored.value, id)) rec = mergeRecords(rec, stored.value, env.historyLimit);
    }
  }
  throw new EntityUnavailableError(id, `the store kept reporting conflicts (${MAX_CAS_ATTEMPTS} attempts)`);
}

function touch(state: State, ctx: ActorContext): State {
  if (state.idleTimer) ctx.cancelTimer(state.idleTimer);
  const gen = state.gen + 1;
  const idleTimer = Number.isFinite(state.env.idleMs)
    ? ctx.sendAfter(state.env.idleMs, { type: 'idle', gen } satisfies WorkerInfo)
    : undefined;
  return { ...state, gen, idleTimer };
}

async function handOver(state: State, winner: Pid, ctx: ActorContext): Promise<void> {
  const { env, id } = state;
  try {
    await env.system.call(
      winner,
      { type: 'handover', record: state.record } satisfies WorkerCall,
      env.handoverTimeoutMs,
    );
    ctx.log.info({ entity: id, winner: winner.node }, 'lost the global name; state handed to the winner');
    return;
  } catch (err) {
    ctx.log.warn({ entity: id, err: String(err) }, 'hand-over failed; merging into the store instead');
  }
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
    let record = emptyRecord(id);
    let version = 0;
    try {
      const stored = await env.table.get(id);
      if (stored) {
        version = stored.version;
        if (isEntityRecord(stored.value, id)) record = stored.value;
        else ctx.log.warn({ entity: id }, 'stored record has an unknown shape; starting from initialized');
      }
    } catch (err) {
      throw new EntityUnavailableError(id, 'the store could not be read', err);
    }
    return touch({ id, env, record, version, gen: 0, idleTimer: undefined }, ctx);
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
