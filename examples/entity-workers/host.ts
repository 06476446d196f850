/**
 * The entity host: one actor per node (local name `<prefix>-host`) that starts entity workers on
 * this node — the article's `get_or_start_worker`, made race-free.
 *
 * Get-or-start runs in the host's mailbox, one request at a time: if the entity's global name is
 * held, the holder's pid is the answer; if a start of that entity is already under way, the request
 * waits for it; otherwise the host starts a worker under the node's dynamic supervisor, registers
 * the global name, and answers every waiting request with the one pid. Callers send get-or-start
 * to the entity's **owner** node (rendezvous hash of the id over the connected members), so every
 * node that sees the same members asks the same host, and two concurrent first uses of an entity
 * start one worker. Nodes that disagree on membership (a partition, a node joining) can still start
 * two; the global-name resolver then keeps one and the loser hands over its state (see worker.ts).
 *
 * Starting is asynchronous (the worker reads the store in `init`), so a slow store delays only the
 * requests for that entity, never the host.
 *
 * Client API: `ensureWorker(system, dest, id, timeoutMs)`.
 */
import type { ActorSystem, Behaviour, CallResult, Dest, From, Pid } from '@superhero-dispatch/runtime/actor';
import { NameTakenError, startChild, terminateChild, worker } from '@superhero-dispatch/runtime/actor';
import type { GlobalNames } from '@superhero-dispatch/runtime/cluster';
import { EntityUnavailableError } from './errors.ts';
import type { WorkerArgs, WorkerEnv } from './worker.ts';
import { entityWorker } from './worker.ts';

export interface HostArgs {
  readonly env: WorkerEnv;
  readonly globals: GlobalNames;
  /** Local name of the dynamic supervisor the workers run under. */
  readonly supervisorName: string;
  /** Global name of an entity's worker. */
  readonly globalName: (id: string) => string;
}

type HostCall = { readonly type: 'ensure'; readonly id: string };
type HostInfo =
  | { readonly type: 'started'; readonly id: string; readonly pid: Pid }
  | { readonly type: 'failed'; readonly id: string; readonly error: Error };

interface State {
  readonly args: HostArgs;
  /** Entities being started here, with the requests waiting for them. */
  readonly starting: Map<string, From[]>;
}

/** Starts a worker and registers its global name; if someone registered it meanwhile, theirs wins. */
async function startWorker(args: HostArgs, id: string): Promise<Pid> {
  const { system } = args.env;
  const sup = system.whereis(args.supervisorName);
  if (!sup) throw new EntityUnavailableError(id, 'the worker supervisor is not running');
  const name = args.globalName(id);
  const spec = worker<WorkerArgs>(name, entityWorker, { id, env: args.env }, { restart: 'temporary' });
  let pid: Pid;
  try {
    pid = await startChild(system, sup, spec);
  } catch (err) {
    throw new EntityUnavailableError(id, `the worker could not start: ${rootMessage(err)}`, err);
  }
  try {
    args.globals.register(name, pid);
    return pid;
  } catch (err) {
    if (!(err instanceof NameTakenError)) throw err;
    await terminateChild(system, sup, pid);
    const holder = args.globals.whereis(name);
    if (!holder) throw new EntityUnavailableError(id, 'the global name changed hands while starting', err);
    return holder;
  }
}

/** The message of the innermost cause (e.g. the store's `no_quorum` under the failed start). */
function rootMessage(err: unknown): string {
  let e = err;
  while (e instanceof Error && e.cause !== undefined) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

export const entityHost: Behaviour<State, HostArgs, HostCall, unknown, never, HostInfo> = {
  name: 'entity-host',
  init: (args) => ({ args, starting: new Map() }),

  handleCall(msg, from, state, ctx): CallResult<State, unknown> {
    const { args, starting } = state;
    const { system } = args.env;
    const held = args.globals.whereis(args.globalName(msg.id));
    // A local holder that already exited is about to be released; start a fresh one.
    if (held && (held.node !== system.node || system.isAlive(held))) return { reply: held, state };
    const waiting = starting.get(msg.id);
    if (waiting) {
      waiting.push(from);
      return { noreply: true, state };
    }
    starting.set(msg.id, [from]);
    startWorker(args, msg.id).then(
      (pid) => system.send(ctx.self, { type: 'started', id: msg.id, pid } satisfies HostInfo),
      (error: unknown) =>
        system.send(ctx.self, {
          type: 'failed',
          id: msg.id,
          error: error instanceof Error ? error : new Error(String(error)),
        } satisfies HostInfo),
    );
    return { noreply: true, state };
  },

  handleInfo(msg, state, ctx) {
    if (msg.type !== 'started' && msg.type !== 'failed') return state;
    const waiting = state.starting.get(msg.id) ?? [];
    state.starting.delete(msg.id);
    for (const from of waiting) {
      if (msg.type === 'started') ctx.reply(from, msg.pid);
      else ctx.replyError(from, msg.error);
    }
    return state;
  },
};

/** Get-or-start the worker of `id` through the host at `dest`; resolves with the worker's pid. */
export const ensureWorker = (system: ActorSystem, dest: Dest, id: string, timeoutMs?: number): Promise<Pid> =>
  system.call<Pid>(dest, { type: 'ensure', id } satisfies HostCall, timeoutMs);
