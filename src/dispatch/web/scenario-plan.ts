/**
 * The guided scenarios of the dispatch page, in one table: their ids (the route's `:id`), titles
 * and what the cluster should do in each store mode (the narration the panel shows before the
 * chaos steps run). The steps and measurements are in `scenario-scripts.ts`.
 *
 * ```ts
 * for (const s of SCENARIOS) button(s.id, s.title);
 * expectation('split', 'raft'); // "This node is cut off: a minority of one. …"
 * ```
 *
 * When not to use: single chaos actions are the node controls (`/api/nodes/:node/:action`).
 */
import type { StoreMode } from '../model.ts';

export const SCENARIOS = [
  {
    id: 'kill-leader',
    title: 'Kill the leader',
    raft: 'The leader is shut down. The followers stop hearing from it, one times out and wins an election with a majority; writes pause for about an election timeout, then go on. Its heroes start again on the nodes left.',
    crdt: 'There is no leader in crdt mode: every replica writes. A node with heroes is shut down instead; the others keep writing without a pause, and its heroes start again on the nodes left.',
    etcd: 'The leader is an etcd member, not an application node, so a node with heroes is shut down instead. etcd keeps its quorum and writes go on without a pause; placement starts the node’s heroes on the nodes left, fenced by etcd revisions.',
  },
  {
    id: 'split',
    title: 'Split the cluster',
    raft: 'This node is cut off: a minority of one. It must refuse writes (no quorum) while the majority keeps a leader and goes on writing. After the heal it catches up from the leader and no hero runs twice.',
    crdt: 'This node is cut off, and both sides keep writing: a crdt replica never refuses. After the heal the replicas exchange deltas and converge, and no hero runs twice.',
    etcd: 'This node is cut off from the other application nodes but not from etcd, which holds the quorum: it goes on writing. The others see it down and take over its heroes at a higher epoch; its own copies are refused at their next write (stale epoch), and after the heal no hero runs twice.',
  },
  {
    id: 'destroy-four',
    title: 'Destroy a city four times',
    raft: 'A city is bombed four times in a row. Each time its supervisor restarts it and its heroes are hosted again; the raft log records every write once.',
    crdt: 'A city is bombed four times in a row. Each time its supervisor restarts it and its heroes are hosted again; the replicas agree on every hero.',
    etcd: 'A city is bombed four times in a row. Each time its supervisor restarts it and its heroes are hosted again; etcd holds every write once.',
  },
  {
    id: 'shutdown-node',
    title: 'Shut down a node with heroes',
    raft: 'The other node with the most heroes is shut down. Placement notices it is gone and starts each of its heroes on a live node, from the state the raft log holds; none is lost and none runs twice.',
    crdt: 'The other node with the most heroes is shut down. Placement notices it is gone and starts each of its heroes on a live node, from the state its replica last shared; none runs twice.',
    etcd: 'The other node with the most heroes is shut down. Placement starts each of its heroes on a live node from the state etcd holds; none is lost and none runs twice.',
  },
] as const;

export type ScenarioId = (typeof SCENARIOS)[number]['id'];

export const SCENARIO_IDS: readonly ScenarioId[] = SCENARIOS.map((s) => s.id);

export function isScenarioId(text: string): text is ScenarioId {
  return (SCENARIO_IDS as readonly string[]).includes(text);
}

export function scenarioTitle(id: ScenarioId): string {
  return SCENARIOS.find((s) => s.id === id)?.title ?? id;
}

/** What the cluster should do in this scenario, in this store mode. */
export function expectation(id: ScenarioId, mode: StoreMode): string {
  const s = SCENARIOS.find((x) => x.id === id);
  return s === undefined ? '' : s[mode];
}
