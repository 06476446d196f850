/**
 * Entity workers: the split-brain article's app (`MyApp.get_entity/1`, `set_entity_state/2`) on
 * the cluster runtime, without its failure. Each entity has one worker actor in the whole cluster,
 * found by a cluster-unique name (a plain string, `entity:<id>`, released when the worker stops);
 * `getEntity` answers from the worker's memory, `setEntityState` writes through it to the store.
 *
 * ```ts
 * const node = await startNode({ name: 'foo', cookie, seeds });
 * const entities = await startEntityWorkers({ node, store });
 * await entities.setEntityState('entity_1', 'working');
 * await entities.getEntity('entity_1'); // { id: 'entity_1', state: 'working', updatedAt, history: [] }
 * ```
 *
 * API: `startEntityWorkers(options)` → `getEntity(id)`, `setEntityState(id, state)`,
 * `workers()` (entities with a worker on this node), `whereIs(id)` (the node of its worker),
 * `stop()`. Errors: `InvalidEntityIdError`, `InvalidEntityStateError`, `EntityUnavailableError`.
 *
 * From any node a request goes to the entity's one worker, started on first use (see host.ts for
 * how get-or-start stays race-free). When nodes that ran apart connect and both run a worker for
 * one entity, the runtime keeps one (the earlier registration) and the other hands its writes
 * over; the survivor's current state is the newest write by stamp, and the writes it superseded
 * are in `history` with reason `conflict` (see entity.ts for what "not lost" means exactly). A
 * record another connected node writes into the store bypassing the worker (a loser that could not
 * hand over) reaches the worker through the table's change feed; on the CRDT store, a record that
 * a merge of replicas kept hidden behind the visible one reaches it through `onConcurrent`, and the
 * worker merges every record of the key (`Table.concurrent`).
 *
 * Retries: a request whose worker stopped before answering (idle stop, a lost name conflict, its
 * node went down) is sent again to the entity's current worker, up to 6 times within ~400 ms. A
 * `setEntityState` is therefore applied at least once, and acknowledged once.
 *
 * Store: every node must see the same entities — pass a replicated store (Raft for no divergence,
 * CRDT for availability during partitions) or one shared database. A node-local memory or disk
 * store only fits one process standing in for a shared database (tests, the demo), as the
 * article's two servers shared files on one machine.
 *
 * Supervision: per node, a `rest_for_one` supervisor over a dynamic supervisor of workers and the
 * host. `stop()` stops them in reverse order; workers idle for `idleMs` stop on their own.
 *
 * When not to use: for state that is cheap to read from the store, skip the workers and read it;
 * they only pay off when reads are expensive and frequent, as the article assumes.
 */
import type { Pid } from '@superhero-dispatch/runtime/actor';
import {
  dynamicChildren,
  startDynamicSupervisor,
  startSupervisor,
  worker,
} from '@superhero-dispatch/runtime/actor';
import type { ClusterNode } from '@superhero-dispatch/runtime/cluster';
import { rendezvous } from '@superhero-dispatch/runtime/placement';
import type { Store } from '@superhero-dispatch/runtime/store';
import type { Entity, EntityRecord, EntityState, Stamp } from './entity.ts';
import { isEntityState, nextStamp } from './entity.ts';
import { EntityError, EntityUnavailableError, InvalidEntityStateError, checkEntityId } from './errors.ts';
import type { HostArgs } from './host.ts';
import { ensureWorker, entityHost } from './host.ts';
import type { WorkerEnv, WorkerInfo } from './worker.ts';
import { workerGet, workerSet } from './worker.ts';

export interface EntityWorkersOptions {
  readonly node: ClusterNode;
  /** Where entity records live; see "Store" above. */
  readonly store: Store;
  /** Table of the records. Default `entities`. */
  readonly table?: string;
  /**
   * Prefix of this service's names: local `<name>-host`, `<name>-workers`, global `<name>:<id>`.
   * Default `entity`. Must be the same on every node.
   */
  readonly name?: string;
  /** A worker stops after this many ms without a request. Default 30 000: frees memory, reloads cheaply. */
  readonly idleMs?: number;
  /**
   * Superseded writes kept per entity. Default 32: enough to show every write that lost a
   * conflict after a split, small enough to rewrite on every change.
   */
  readonly historyLimit?: number;
  /** Timeout of each request to a host or worker, ms. Default 5 000, as OTP's call. */
  readonly callTimeoutMs?: number;
  /** How long a losing worker waits for the winner to take its state, ms. Default 5 000. */
  readonly handoverTimeoutMs?: number;
  /** Wall clock for write stamps, ms. Default `Date.now`. */
  readonly now?: () => number;
}

export interface EntityWorkers {
  getEntity(id: string): Promise<Entity>;
  /** Resolves once the write is in the store (acknowledged) with the entity as the worker now holds it. */
  setEntityState(id: string, state: EntityState): Promise<Entity>;
  /** Ids of the entities whose worker runs on this node. */
  workers(): Promise<string[]>;
  /** Full name of the node running the entity's worker, as this node sees the global names. */
  whereIs(id: string): string | undefined;
  stop(): Promise<void>;
}

/** Retries after a worker went away under a request (idle stop, lost name conflict), ms. */
const RETRY_DELAYS_MS = [0, 5, 20, 50, 100, 200];
const GONE = new Set(['noproc', 'exit', 'noconnection']);

export async function startEntityWorkers(options: EntityWorkersOptions): Promise<EntityWorkers> {
  const { node, store } = options;
  const system = node.system;
  const prefix = options.name ?? 'entity';
  const hostName = `${prefix}-host`;
  const supervisorName = `${prefix}-workers`;
  const callTimeoutMs = options.callTimeoutMs ?? 5000;
  const now = options.now ?? Date.now;
  const globalName = (id: string): string => `${prefix}:${id}`;

  let last: Stamp | undefined;
  const table = store.table<EntityRecord>(options.table ?? 'entities');
  const env: WorkerEnv = {
    system,
    table,
    stamp: (after) => (last = nextStamp(last, now(), node.name, after)),
    historyLimit: options.historyLimit ?? 32,
    idleMs: options.idleMs ?? 30_000,
    handoverTimeoutMs: options.handoverTimeoutMs ?? 5000,
    holder: (id) => node.globals.whereis(globalName(id)),
  };
  const hostArgs: HostArgs = { env, globals: node.globals, supervisorName, globalName };
  const root = await startSupervisor(system, {
    strategy: 'rest_for_one',
    children: [
      {
        id: 'workers',
        type: 'supervisor',
        start: (s, parent) => startDynamicSupervisor(s, {}, { parent, name: supervisorName }),
      },
      worker('host', entityHost, hostArgs, { spawn: { name: hostName } }),
    ],
  });

  // A record written by another connected member bypassed the entity's one worker (a loser that
  // could not hand over, a replica that met ours after its side's worker had stopped): the worker,
  // if it runs here, takes in the writes it lacks. Writes of nodes not connected to this one are
  // the other side of a split; they arrive by hand-over once the sides meet.
  const unsubscribe = table.subscribe((change) => {
    if (change.origin === undefined || !node.nodes().includes(change.origin)) return;
    const pid = node.globals.whereis(globalName(change.key));
    if (pid?.node === system.node) system.send(pid, { type: 'stored' } satisfies WorkerInfo);
  });
  // On a store that keeps concurrent records of a key (CRDT), a merge of two sides can leave the
  // other side's record hidden behind this side's: the change feed says nothing, as the visible
  // record did not change. Whoever wrote it, only the worker can take it in: once the next write
  // replaces it, it is gone. (When that side's worker still runs, it hands over as well; the union
  // makes the second delivery harmless.)
  const unsubscribeConcurrent = table.onConcurrent?.((change) => {
    const pid = node.globals.whereis(globalName(change.key));
    if (pid?.node === system.node) system.send(pid, { type: 'stored' } satisfies WorkerInfo);
  });

  async function ensure(id: string): Promise<Pid> {
    const held = node.globals.whereis(globalName(id));
    if (held) return held;
    const owner = rendezvous(id, [node.name, ...node.nodes()]) ?? node.name;
    try {
      return await ensureWorker(
        system,
        owner === node.name ? hostName : { name: hostName, node: owner },
        id,
        callTimeoutMs,
      );
    } catch (err) {
      // The owner is gone or runs no host: start it here; the name resolver settles any duplicate.
      if (owner !== node.name && GONE.has(codeOf(err)))
        return ensureWorker(system, hostName, id, callTimeoutMs);
      throw err;
    }
  }

  async function viaWorker(id: string, request: (pid: Pid) => Promise<Entity>): Promise<Entity> {
    let lastError: unknown;
    for (const delay of RETRY_DELAYS_MS) {
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      try {
        return await request(await ensure(id));
      } catch (err) {
        if (!GONE.has(codeOf(err))) throw asEntityError(id, err);
        lastError = err;
      }
    }
    throw new EntityUnavailableError(id, 'its worker kept going away', lastError);
  }

  return {
    async getEntity(id) {
      checkEntityId(id);
      return viaWorker(id, (pid) => workerGet(system, pid, callTimeoutMs));
    },
    async setEntityState(id, state) {
      checkEntityId(id);
      if (!isEntityState(state)) throw new InvalidEntityStateError(state);
      return viaWorker(id, (pid) => workerSet(system, pid, state, callTimeoutMs));
    },
    async workers() {
      const sup = system.whereis(supervisorName);
      if (!sup) return [];
      const children = await dynamicChildren(system, sup);
      return children.map((c) => c.id.slice(prefix.length + 1)).sort();
    },
    whereIs(id) {
      return node.globals.whereis(globalName(id))?.node;
    },
    async stop() {
      unsubscribe();
      unsubscribeConcurrent?.();
      await system.stop(root, 'shutdown', 10_000);
    },
  };
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function asEntityError(id: string, err: unknown): Error {
  if (err instanceof EntityError) return err;
  const message = err instanceof Error ? err.message : String(err);
  // An EntityError from another node arrives rebuilt, its message already naming the entity.
  const prefix = `entity ${id}: `;
  return new EntityUnavailableError(
    id,
    message.startsWith(prefix) ? message.slice(prefix.length) : message,
    err,
  );
}
