/** In-process placement members for the placement tests: a node and its distributed supervisor. */
import type { Behaviour, CallResult } from '../../packages/runtime/src/actor/index.ts';
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { testLogger } from '../test-logger.ts';
import { startDistributedSupervisor } from '../../packages/runtime/src/placement/index.ts';
import { startCrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import type { CrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import { COOKIE, waitFor } from '../cluster/helpers.ts';
import type {
  DistributedSupervisor,
  PlacedInit,
  PlacementCall,
} from '../../packages/runtime/src/placement/index.ts';
import { isPlacementCall } from '../../packages/runtime/src/placement/index.ts';

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

/**
 * An AP member: a node seeded with `seeds`, its own CRDT replica and a supervisor of `counter`s
 * that retries and sweeps only every `sweepMs` (so a test sees what the events alone do).
 */
export async function apMember(
  name: string,
  seeds: readonly Member[],
  sweepMs: number,
): Promise<Member & { store: CrdtStore }> {
  const node = await startNode({
    name,
    cookie: COOKIE,
    seeds: seeds.map((m) => m.node.address),
    logger: testLogger,
  });
  const store = await startCrdtStore({ node });
  const sup = await startDistributedSupervisor({
    node,
    store,
    kinds: { counter },
    reconcileIntervalMs: sweepMs,
    fullSweepIntervalMs: sweepMs,
  });
  return { node, sup, store };
}

/**
 * Waits until each of `members` places children on every one of them: connected, and ready in
 * each other's eyes (`DistributedSupervisor.hosts`).
 */
export async function waitForHosts(members: readonly Member[], timeoutMs = 10_000): Promise<void> {
  const names = members.map((m) => m.node.name);
  await waitFor(() => members.every((m) => names.every((n) => m.sup.hosts().includes(n))), timeoutMs);
}
