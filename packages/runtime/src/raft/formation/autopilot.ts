/**
 * Autopilot: the leader's membership decisions once the group has formed (Consul's autopilot).
 * A pure function of the configuration, the replication progress, who is connected and since when
 * members have been unreachable; it returns at most one change, and the driver applies it and asks
 * again once it is done.
 *
 * Example:
 * ```ts
 * const change = decideAutopilot({ self, voters, learners, match, lastIndex, live, cities, downSince, now, graceMs: 30_000 });
 * if (change.kind === 'promote') await store.promote(change.node);
 * ```
 *
 * The rules, in order (one change at a time, never the leader itself):
 * 1. Every connected node that is not a member becomes a learner (it gets the log and serves
 *    reads; a dispatch node stays one).
 * 2. A voter unreachable for longer than `graceMs` is removed, only if the voters still reachable
 *    afterwards are at least a majority of the current configuration (so a partitioned leader
 *    never dismantles its own quorum). A learner unreachable that long is removed too.
 * 3. While there are fewer voters than the target — 3, or 5 once the cluster has five or more
 *    cities — the caught-up learner city with the smallest name is promoted. Caught up: its
 *    match index is within `maxLag` entries of the leader's last index.
 *
 * A live voter is never demoted: shrinking the target (a city leaves) only stops promotions.
 *
 * API: `decideAutopilot(input)` → `AutopilotChange`; `targetVoters(cities)`.
 *
 * When not to use: before the group exists (see `formation.ts`).
 */

export interface AutopilotInput {
  /** The leader's full name. */
  readonly self: string;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  /** Match index per member (the leader's progress). */
  readonly match: Readonly<Record<string, number>>;
  /** The leader's last log index. */
  readonly lastIndex: number;
  /** Connected peers (full names), the leader not included. */
  readonly live: readonly string[];
  /** Nodes that may be voters: city nodes, connected or members (full names). */
  readonly cities: readonly string[];
  /** Since when (ms) each member has been unreachable; absent while reachable. */
  readonly downSince: Readonly<Record<string, number>>;
  readonly now: number;
  /** How long a member may be unreachable before it is replaced, ms. */
  readonly graceMs: number;
  /** Entries a learner may lag behind and still be promoted. Default 1000. */
  readonly maxLag?: number;
}

export type AutopilotChange =
  | { readonly kind: 'none' }
  | { readonly kind: 'add-learner'; readonly node: string; readonly reason: string }
  | { readonly kind: 'promote'; readonly node: string; readonly reason: string }
  | { readonly kind: 'remove'; readonly node: string; readonly reason: string };

/** Voters to keep: 3, or 5 once there are five or more cities. */
export function targetVoters(cities: number): number {
  return cities >= 5 ? 5 : 3;
}

export function decideAutopilot(input: AutopilotInput): AutopilotChange {
  const voters = new Set(input.voters);
  const learners = new Set(input.learners);
  const live = new Set(input.live);

  const newcomer = [...input.live].sort().find((n) => !voters.has(n) && !learners.has(n));
  if (newcomer !== undefined) {
    return { kind: 'add-learner', node: newcomer, reason: 'connected, not yet a member' };
  }

  const expired = (n: string): boolean => {
    const since = input.downSince[n];
    return n !== input.self && !live.has(n) && since !== undefined && input.now - since > input.graceMs;
  };
  const reachable = input.voters.filter((v) => v === input.self || live.has(v)).length;
  const majority = Math.floor(input.voters.length / 2) + 1;
  for (const v of [...input.voters].sort()) {
    if (expired(v) && reachable >= majority) {
      return {
        kind: 'remove',
        node: v,
        reason: `voter unreachable for more than ${Math.round(input.graceMs / 1000)} s`,
      };
    }
  }
  for (const l of [...input.learners].sort()) {
    if (expired(l)) {
      return {
        kind: 'remove',
        node: l,
        reason: `learner unreachable for more than ${Math.round(input.graceMs / 1000)} s`,
      };
    }
  }

  const cities = new Set(input.cities);
  const target = targetVoters(cities.size);
  if (input.voters.length < target) {
    const maxLag = input.maxLag ?? 1000;
    const ready = [...input.learners].sort().find((l) => {
      const match = input.match[l] ?? 0;
      return live.has(l) && cities.has(l) && match > 0 && match + maxLag >= input.lastIndex;
    });
    if (ready !== undefined) {
      return {
        kind: 'promote',
        node: ready,
        reason: `${input.voters.length} voters, target ${target}; caught up`,
      };
    }
  }
  return { kind: 'none' };
}
