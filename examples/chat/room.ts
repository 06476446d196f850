/**
 * A chat room: one placed actor per room in the cluster (distributed supervisor, key = the room's
 * name). It keeps the members in memory and appends what is said to the room's Raft history.
 *
 * A graceful move hands the members to the next owner (`$placement: 'handoff'`); a duplicate from
 * a healed partition merges its members in (`'merge'`, AP placement only). When the room's node is
 * lost, the next owner rebuilds the members from presence (users whose live node lists the room).
 * History writes are fenced by the room's placement epoch: a cut-off old copy gets `stale_epoch`
 * instead of writing over its successor. A failed write is the caller's error, not a crash.
 */
import type { TypedBehaviour } from '@superhero-dispatch/runtime/actor';
import type { PlacedInit, PlacementCall } from '@superhero-dispatch/runtime/placement';
import { isPlacementCall } from '@superhero-dispatch/runtime/placement';
import type { Table } from '@superhero-dispatch/runtime/store';
import { StoreError } from '@superhero-dispatch/runtime/store';

/** `at` and `lastSeen` are wall-clock ms. */
export interface Message {
  readonly room: string;
  readonly user: string;
  readonly text: string;
  readonly at: number;
}
/** Where a user is connected and which rooms they are in (CRDT table `presence`, key = user). */
export interface Presence {
  readonly node: string;
  readonly rooms: readonly string[];
  readonly lastSeen: number;
}
/** A room's last `historyLimit` messages (Raft table `history`, key = room). */
export interface History {
  readonly messages: readonly Message[];
}

export type RoomProtocol = {
  calls:
    | [msg: { readonly type: 'join' | 'leave'; readonly user: string }, reply: string[]]
    | [msg: { readonly type: 'say'; readonly user: string; readonly text: string }, reply: Message]
    | [msg: { readonly type: 'members' }, reply: string[]]
    | [msg: PlacementCall, reply: string[] | 'ok'];
};

/** What every room on a node shares: the node's tables and clock. */
export interface RoomEnv {
  readonly history: Table<History>;
  readonly presence: Table<Presence>;
  /** Nodes whose users count as present: this node and the connected ones. */
  readonly live: () => readonly string[];
  readonly historyLimit: number;
  readonly now: () => number;
}

interface State {
  readonly init: PlacedInit;
  readonly members: ReadonlySet<string>;
}

export const HISTORY_TABLE = 'history';

export function roomBehaviour(env: RoomEnv): TypedBehaviour<RoomProtocol, State, PlacedInit> {
  return {
    name: 'chat-room',
    async init(init) {
      if (Array.isArray(init.handoff)) return { init, members: new Set(init.handoff as string[]) };
      const live = env.live();
      const present = (await env.presence.list()).filter(
        (p) => p.value.rooms.includes(init.key) && live.includes(p.value.node),
      );
      return { init, members: new Set(present.map((p) => p.key)) };
    },
    async handleCall(msg, from, state, ctx) {
      const members = new Set(state.members);
      if (isPlacementCall(msg)) {
        if (msg.$placement === 'handoff') return { reply: [...members].sort(), state };
        for (const user of msg.state as string[]) members.add(user);
        return { reply: 'ok', state: { ...state, members } };
      }
      if (msg.type === 'members') return { reply: [...members].sort(), state };
      if (msg.type === 'join') members.add(msg.user);
      if (msg.type === 'leave') members.delete(msg.user);
      if (msg.type !== 'say') return { reply: [...members].sort(), state: { ...state, members } };
      const said: Message = { room: state.init.key, user: msg.user, text: msg.text, at: env.now() };
      try {
        await append(env, state.init, said);
        return { reply: said, state };
      } catch (err) {
        ctx.replyError(from, err instanceof Error ? err : new Error(String(err)));
        return { noreply: true, state };
      }
    },
  };
}

/** Appends to the room's history: compare-and-set on the version read, again on a conflict. */
async function append(env: RoomEnv, init: PlacedInit, msg: Message): Promise<void> {
  for (;;) {
    const current = await env.history.get(init.key);
    const messages = [...(current?.value.messages ?? []), msg].slice(-env.historyLimit);
    const options = { expectVersion: current?.version ?? 0 };
    try {
      if (init.fenced) await init.fenced.put(HISTORY_TABLE, init.key, { messages }, options);
      else await env.history.put(init.key, { messages }, options);
      return;
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 'conflict')) throw err;
    }
  }
}
