/** Shared helpers of the example tests: nodes started apart or meshed, polling, a manual clock. */
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { testLogger } from '../test-logger.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

export const COOKIE = 'examples-test-cookie';

/** Nodes that know nothing of each other (the article's two servers before `Node.connect`). */
export function startApart(names: readonly string[]): Promise<ClusterNode[]> {
  return Promise.all(names.map((name) => startNode({ name, cookie: COOKIE, logger: testLogger })));
}

/** Connect every node to the first and wait for the full mesh. */
export async function connect(nodes: readonly ClusterNode[], timeoutMs = 10_000): Promise<void> {
  const [first, ...rest] = nodes;
  if (!first) return;
  for (const n of rest) n.addPeer(first.address);
  await waitFor(() => nodes.every((n) => n.nodes().length === nodes.length - 1), timeoutMs, 'full mesh');
}

export async function startMeshed(names: readonly string[]): Promise<ClusterNode[]> {
  const nodes = await startApart(names);
  await connect(nodes);
  return nodes;
}

export { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function stopAll(nodes: readonly ClusterNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop()));
}

/** A wall clock the test moves by hand, so write stamps are ordered as the scenario says. */
export class ManualClock {
  ms: number;
  constructor(start = 1_000_000) {
    this.ms = start;
  }
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export { seededRandom } from '../../packages/runtime/src/testing/sim/index.ts';
