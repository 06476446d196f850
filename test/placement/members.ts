/** In-process placement members for the placement tests: a node and its distributed supervisor. */
import type { ClusterNode } from '../../src/cluster/node.ts';
import type { DistributedSupervisor } from '../../src/placement/index.ts';

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
