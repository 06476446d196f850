/** In-process placement members for the placement tests: a node and its distributed supervisor. */
import type { Behaviour, CallResult } from '../../src/actor/index.ts';
import type { ClusterNode } from '../../src/cluster/node.ts';
import type { DistributedSupervisor, PlacedInit, PlacementCall } from '../../src/placement/index.ts';
import { isPlacementCall } from '../../src/placement/index.ts';

export interface Member {
  node: ClusterNode;
  sup: DistributedSupervisor;
}

/** Stops each member's supervisor, then its node. */
export async function shutdown(members: readonly Member[]): Promise<void> {
  for (const m of members) {
    await m.sup.stop();
    await m.node.stop();
  }
}

/** On how many of `members` the child `key` runs. */
export function runningOn(members: readonly Member[], key: string): number {
  return members.filter((m) => m.sup.localKeys().includes(key)).length;
}

/** A placed counter that hands its count over when it moves and keeps the larger one on a merge. */
export const counter: Behaviour<
  number,
  PlacedInit,
  { type: 'inc' } | { type: 'get' } | PlacementCall,
  unknown
> = {
  name: 'placed-counter',
  init: (init) => (typeof init.handoff === 'number' ? init.handoff : 0),
  handleCall(msg, _from, n): CallResult<number, unknown> {
    if (isPlacementCall(msg)) {
      if (msg.$placement === 'handoff') return { reply: n, state: n };
      return { reply: 'ok', state: Math.max(n, msg.state as number) };
    }
    if (msg.type === 'inc') return { reply: n + 1, state: n + 1 };
    return { reply: n, state: n };
  },
};
