/**
 * The `process` store: one actor per node holding the cached todos in a `Map` — the original's
 * `CacheGS`, a GenServer whose state is the cache. Every read and write is a message to that one
 * actor, so they are serialised (no race between a read and a write), at the price of one mailbox
 * for the whole node; the `memory` store (the ETS analogue) reads without it.
 *
 * ```ts
 * const backend = await startProcessBackend(node.system);   // registers `api-cache-state`
 * await backend.put(1, todo);
 * await backend.get(1);
 * await backend.close();                                     // the actor stops; the data is gone
 * ```
 *
 * Its data dies with the actor (a crash or a node restart empties it): fine for a cache, which
 * refetches. The original advertised this mode but never started the actor (`store: nil` crashed).
 */
import type { ActorSystem, Behaviour, CallResult } from '@superhero-dispatch/runtime/actor';
import type { CacheBackend } from './backend.ts';
import type { Todo } from './todo.ts';

type StateCall =
  | { readonly type: 'get'; readonly id: number }
  | { readonly type: 'put'; readonly id: number; readonly todo: Todo }
  | { readonly type: 'size' };

const cacheState: Behaviour<Map<number, Todo>, void, StateCall, unknown> = {
  name: 'api-cache-state',
  init: () => new Map(),
  handleCall(msg, _from, todos): CallResult<Map<number, Todo>, unknown> {
    switch (msg.type) {
      case 'get':
        return { reply: todos.get(msg.id), state: todos };
      case 'put':
        todos.set(msg.id, msg.todo);
        return { reply: true, state: todos };
      case 'size':
        return { reply: todos.size, state: todos };
    }
  },
};

export interface ProcessBackendOptions {
  /** Local name of the actor. Default `api-cache-state`: one per node. */
  readonly name?: string;
}

export async function startProcessBackend(
  system: ActorSystem,
  options: ProcessBackendOptions = {},
): Promise<CacheBackend> {
  const name = options.name ?? 'api-cache-state';
  const pid = await system.spawn(cacheState, undefined, { name });
  return {
    mode: 'process',
    get: (id) => system.call<Todo | undefined>(pid, { type: 'get', id } satisfies StateCall),
    async put(id, todo) {
      await system.call(pid, { type: 'put', id, todo } satisfies StateCall);
    },
    size: () => system.call<number>(pid, { type: 'size' } satisfies StateCall),
    ready: () => system.isAlive(pid),
    close: () => system.stop(pid, 'shutdown'),
  };
}
