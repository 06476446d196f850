/**
 * Formation: how nodes found by any discovery (static `host:port` seeds, DNS, gossip) form exactly
 * one Raft group. A pure decision: `decideFormation(input)` looks at this member's Raft state and
 * at what its connected peers report, and says what to do now. The driver (`formation-driver.ts`)
 * gathers the reports, carries the decision out and asks again as reports change.
 *
 * Example:
 * ```ts
 * const seen = rememberCandidates(state.seen, input);  // grows, never shrinks
 * const d = decideFormation({ ...input, seen });
 * if (d.kind === 'bootstrap') store.bootstrap(d.voters);
 * ```
 *
 * The rules, in order (see `docs/decisions/0002-raft-formation.md`):
 * 1. A member with Raft state (a log, a configuration) is formed: it restarts from its data.
 * 2. A peer reports Raft state: a group exists. Join it (its leader adds this node as a learner,
 *    `autopilot.ts`); never found a second one.
 * 3. `--expect N` (Consul's `bootstrap_expect`): the candidates are the city nodes with no Raft
 *    state started with the same N (the handshake already proved the same cookie). This member
 *    remembers every candidate it has seen. Once it has seen exactly N, and every one of them
 *    reports having seen exactly the same N, they are the founders and each bootstraps with them.
 *    Because a member's set of seen candidates only grows, no member can report two different
 *    sets of N: two different founder sets cannot both be agreed, so the group cannot split.
 *    More than N candidates without a group is refused with a reason, not guessed at.
 * 4. Named seeds (`name@host:port`, etcd's `--initial-cluster`): the founders are those names and
 *    this node, the same list on every node.
 * 5. Otherwise this node cannot know its founders: it waits for a group to join and says why.
 *    `--expect 1` is the only way to found a group of one.
 *
 * API: `decideFormation`, `rememberCandidates`, `isCandidate`; types `FormationReport`,
 * `FormationInput`, `FormationDecision`.
 *
 * When not to use: a member added to a running group needs no formation; the leader's autopilot
 * handles membership from then on.
 */

/** What a node tells its peers about itself while (and after) the group forms. */
export interface FormationReport {
  /** Full node name, `name@host:port`. */
  readonly name: string;
  /** `--expect N`, or null when not given. */
  readonly expect: number | null;
  /** May found the group: a city node (a dispatch-only node never is a founding voter). */
  readonly founder: boolean;
  /** Candidates this node has seen so far (full names, sorted, itself included). */
  readonly seen: readonly string[];
  /** Its Raft configuration; both empty when it has no Raft state. */
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  /** Whether it has any Raft state (a term, an entry, a configuration). */
  readonly hasState: boolean;
  /** The leader it knows, or null. */
  readonly leader: string | null;
}

export interface FormationInput {
  /** This node's full name. */
  readonly self: string;
  readonly expect: number | null;
  readonly founder: boolean;
  /** Founders named by the seeds (`name@host:port`), this node included when it may found; or []. */
  readonly named: readonly string[];
  /** This member's own Raft state. */
  readonly hasState: boolean;
  /** Candidates remembered so far (`rememberCandidates`). */
  readonly seen: readonly string[];
  /** The latest report of every connected peer. */
  readonly peers: readonly FormationReport[];
}

export type FormationDecision =
  /** Raft state on this member: nothing to form. */
  | { readonly kind: 'formed' }
  /** Write the founding configuration now. */
  | { readonly kind: 'bootstrap'; readonly voters: readonly string[]; readonly reason: string }
  /** A group exists: wait for its leader to add this node. */
  | { readonly kind: 'join'; readonly reason: string }
  /** Not yet: keep listening. */
  | { readonly kind: 'wait'; readonly reason: string }
  /** A misconfiguration that waiting will not fix (the reason says what to change). */
  | { readonly kind: 'refuse'; readonly reason: string };

/** A peer that counts toward `--expect N` on a node started with the same N. */
export function isCandidate(report: FormationReport, expect: number | null): boolean {
  return expect !== null && report.founder && !report.hasState && report.expect === expect;
}

/** The candidates seen so far plus those seen now (this node too, when it is one). Sorted. */
export function rememberCandidates(seen: readonly string[], input: Omit<FormationInput, 'seen'>): string[] {
  const all = new Set(seen);
  if (input.expect !== null && input.founder && !input.hasState) all.add(input.self);
  for (const p of input.peers) if (isCandidate(p, input.expect)) all.add(p.name);
  return [...all].sort();
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

function short(full: string): string {
  const at = full.indexOf('@');
  return at > 0 ? full.slice(0, at) : full;
}

function names(list: readonly string[]): string {
  return list.map(short).join(', ');
}

export function decideFormation(input: FormationInput): FormationDecision {
  if (input.hasState) return { kind: 'formed' };

  const grouped = input.peers.filter((p) => p.hasState);
  if (grouped.length > 0) {
    const leader = grouped.find((p) => p.leader !== null)?.leader ?? null;
    const inGroup = grouped.some((p) => p.voters.includes(input.self) || p.learners.includes(input.self));
    return {
      kind: 'join',
      reason: inGroup
        ? `a member of the raft group${leader ? ` led by ${short(leader)}` : ''}; waiting for its log`
        : `joining the existing raft group${leader ? ` led by ${short(leader)}` : ''}; waiting to be added`,
    };
  }

  if (input.expect !== null) return decideExpect(input, input.expect);

  if (input.named.length > 0) {
    if (!input.named.includes(input.self)) {
      return { kind: 'wait', reason: `not a founder (${names(input.named)}); waiting for their raft group` };
    }
    return { kind: 'bootstrap', voters: [...input.named].sort(), reason: 'founders named by the seeds' };
  }

  return {
    kind: 'wait',
    reason:
      'no raft group found and the founders are unknown: start the first nodes with --expect N ' +
      '(the same N on each), or add this node to a running cluster',
  };
}

function decideExpect(input: FormationInput, expect: number): FormationDecision {
  const mismatch = input.peers.find((p) => p.expect !== null && p.expect !== expect && !p.hasState);
  if (mismatch) {
    return {
      kind: 'refuse',
      reason: `${short(mismatch.name)} was started with --expect ${mismatch.expect}, this node with --expect ${expect}: give every node the same value`,
    };
  }
  if (!input.founder) {
    return { kind: 'wait', reason: 'a dispatch node does not found the raft group; waiting for one to join' };
  }
  const seen = input.seen;
  if (seen.length < expect) {
    return {
      kind: 'wait',
      reason: `waiting for ${expect} nodes started with --expect ${expect}: ${seen.length} seen (${names(seen)})`,
    };
  }
  if (seen.length > expect) {
    return {
      kind: 'refuse',
      reason: `${seen.length} nodes (${names(seen)}) were started with --expect ${expect} and no raft group exists: founders cannot be chosen safely; start exactly ${expect}, or restart them all with --expect ${seen.length}`,
    };
  }
  const byName = new Map(input.peers.map((p) => [p.name, p]));
  const pending = seen.filter((name) => {
    if (name === input.self) return false;
    const p = byName.get(name);
    return p === undefined || !sameSet(p.seen, seen);
  });
  if (pending.length > 0) {
    return {
      kind: 'wait',
      reason: `founders ${names(seen)} seen; waiting for ${names(pending)} to see the same ${expect}`,
    };
  }
  return { kind: 'bootstrap', voters: [...seen], reason: `${expect} founders agreed: ${names(seen)}` };
}
