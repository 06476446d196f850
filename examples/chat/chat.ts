/**
 * Chat on the cluster runtime: rooms as placed actors (`room.ts`), presence in the CRDT store,
 * history in a Raft table. Start it on every node with the same stores; users talk through
 * whichever node they are connected to.
 *
 * ```ts
 * const chat = await startChat({ node, raft, crdt });
 * await chat.join('alice', 'lobby'); // ['alice']
 * await chat.say('alice', 'lobby', 'hi');
 * await chat.history('lobby', 10); // [{ room: 'lobby', user: 'alice', text: 'hi', at }]
 * ```
 *
 * `join`/`leave`/`say`/`members` go to the room's actor wherever it runs, retried while the room
 * moves (up to `callTimeoutMs`); `history` is a linearizable Raft read, `presence` this node's
 * CRDT replica. Bad names: `ChatInputError`.
 */
import { CodedError, isCoded } from '@superhero-dispatch/runtime';
import { typedResolver } from '@superhero-dispatch/runtime/actor';
import type { ClusterNode } from '@superhero-dispatch/runtime/cluster';
import { PlacementError, startDistributedSupervisor } from '@superhero-dispatch/runtime/placement';
import type { Store } from '@superhero-dispatch/runtime/store';
import type { History, Message, Presence, RoomProtocol } from './room.ts';
import { HISTORY_TABLE, roomBehaviour } from './room.ts';

export interface ChatOptions {
  readonly node: ClusterNode;
  /** CP store: room placement and history. The same voters on every node. */
  readonly raft: Store;
  /** AP store: presence, writable on any node even when cut off. */
  readonly crdt: Store;
  /** Messages kept per room. Default 100: the backlog a client shows on joining. */
  readonly historyLimit?: number;
  /** How long a call waits for its room to run again, ms. Default 10 000: a failover's worst case. */
  readonly callTimeoutMs?: number;
  readonly now?: () => number;
}

export interface Chat {
  join(user: string, room: string): Promise<string[]>;
  leave(user: string, room: string): Promise<string[]>;
  say(user: string, room: string, text: string): Promise<Message>;
  members(room: string): Promise<string[]>;
  history(room: string, n: number): Promise<Message[]>;
  presence(): Promise<Record<string, Presence>>;
  whereIs(room: string): string | undefined;
  /** Stops this node's part; by default its rooms are handed over first (a graceful leave). */
  stop(options?: { handOff?: boolean }): Promise<void>;
}

export class ChatInputError extends CodedError<'invalid_input'> {}

/** The room moved or its node went away under the call: ask again. */
const GONE = new Set(['noproc', 'exit', 'noconnection']);

export async function startChat(options: ChatOptions): Promise<Chat> {
  const { node, raft } = options;
  const now = options.now ?? Date.now;
  const timeoutMs = options.callTimeoutMs ?? 10_000;
  const presence = options.crdt.table<Presence>('presence');
  const history = raft.table<History>(HISTORY_TABLE);
  const live = (): string[] => [node.name, ...node.nodes()];
  const env = { history, presence, live, historyLimit: options.historyLimit ?? 100, now };
  const sup = await startDistributedSupervisor({ node, store: raft, kinds: { room: roomBehaviour(env) } });

  async function room<M extends RoomProtocol['calls'][0]>(key: string, msg: M) {
    const deadline = Date.now() + timeoutMs;
    if (!sup.keys().includes(key))
      await sup.startChild({ key, kind: 'room' }, timeoutMs).catch((err: unknown) => {
        if (!(err instanceof PlacementError && err.code === 'already_started')) throw err;
      });
    for (;;) {
      try {
        return await node.system.ref({ via: typedResolver<RoomProtocol>(sup), key }).call(msg, timeoutMs);
      } catch (err) {
        if (!(isCoded(err) && GONE.has(err.code)) || Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Presence is written only by the user's node: one writer per key, so the CRDT never conflicts. */
  async function touch(user: string, change: (rooms: string[]) => string[]): Promise<void> {
    const rooms = (await presence.get(user))?.value.rooms ?? [];
    await presence.put(user, { node: node.name, rooms: change([...rooms]), lastSeen: now() });
  }

  return {
    async join(user, key) {
      check({ user, room: key });
      await touch(user, (rs) => (rs.includes(key) ? rs : [...rs, key]));
      return room(key, { type: 'join', user });
    },
    async leave(user, key) {
      check({ user, room: key });
      await touch(user, (rs) => rs.filter((r) => r !== key));
      return room(key, { type: 'leave', user });
    },
    async say(user, key, text) {
      check({ user, room: key, text });
      await touch(user, (rs) => rs);
      return room(key, { type: 'say', user, text });
    },
    members: (key) => (check({ room: key }), room(key, { type: 'members' })),
    async history(key, n) {
      check({ room: key });
      return (await history.get(key))?.value.messages.filter((_, i, all) => i >= all.length - n) ?? [];
    },
    async presence() {
      return Object.fromEntries((await presence.list()).map((p) => [p.key, p.value]));
    },
    whereIs: (key) => sup.ownerOf(key),
    stop: ({ handOff = true } = {}) => sup.stop({ handOff }),
  };
}

function check(fields: Record<string, string>): void {
  for (const [name, value] of Object.entries(fields))
    if (typeof value !== 'string' || value.trim() === '' || value.length > 200)
      throw new ChatInputError('invalid_input', `${name} must be 1–200 characters`);
}
