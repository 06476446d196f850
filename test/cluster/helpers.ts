import type { ClusterNode, NodeDownReason, NodeOptions } from '../../packages/runtime/src/cluster/node.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';
import { testLogger } from '../test-logger.ts';

export const COOKIE = 'cluster-test-cookie';

/** Start `names.length` nodes on loopback, each seeded with the first; resolves when fully meshed. */
export async function startCluster(
  names: string[],
  extra: Partial<NodeOptions> = {},
): Promise<ClusterNode[]> {
  const first = await startNode({ name: names[0] as string, cookie: COOKIE, logger: testLogger, ...extra });
  const rest = await Promise.all(
    names
      .slice(1)
      .map((name) =>
        startNode({ name, cookie: COOKIE, seeds: [first.address], logger: testLogger, ...extra }),
      ),
  );
  const all = [first, ...rest];
  await waitFor(() => all.every((n) => n.nodes().length === all.length - 1), 10_000);
  return all;
}

export { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

export async function stopAll(nodes: ClusterNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop()));
}

export interface Down {
  readonly observer: string;
  readonly peer: string;
  readonly reason: NodeDownReason;
  readonly at: number;
}

/** Every node-down event of `nodes`, with short names and the time (`performance.now()`). */
export function recordDowns(nodes: ClusterNode[]): Down[] {
  const downs: Down[] = [];
  for (const n of nodes) {
    n.onNodeDown((peer, reason) =>
      downs.push({ observer: n.shortName, peer: peer.split('@')[0]!, reason, at: performance.now() }),
    );
  }
  return downs;
}

/** Blocks the event loop every node of this process shares, on purpose. */
export function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // nothing else runs meanwhile
  }
}
