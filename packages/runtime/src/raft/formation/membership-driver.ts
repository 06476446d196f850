/**
 * The driver of formation and autopilot: the I/O around `decideFormation` and `decideAutopilot`.
 * Every node publishes its `FormationReport` on a pub/sub topic (every `intervalMs` and when a
 * peer connects) and keeps its peers' latest reports; it asks `decideFormation` what to do until
 * its member has Raft state, and, while it leads, asks `decideAutopilot` for one membership
 * change at a time.
 *
 * Example:
 * ```ts
 * const membership = startRaftMembership({ node, member: store, expect: 3, founder: true, named: [],
 *   graceMs: 30_000, logger });
 * membership.notReady(); // 'waiting for 3 nodes started with --expect 3: 2 seen (gotham, metropolis)'
 * membership.stop();
 * ```
 *
 * `notReady()` is the reason this node cannot be written through yet while the group forms or
 * it waits to be added (null once it is a member); each new reason is logged once.
 *
 * Timeouts: a membership change runs with the store's request timeout; a failed one is logged and
 * tried again at the next round.
 *
 * When not to use: a Raft group whose members are fixed by hand (tests of the driver).
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ClusterNode } from '../../cluster/node.ts';
import { every } from '../../cluster/transport/ticker.ts';
import { decideAutopilot } from './autopilot.ts';
import type { AutopilotChange } from './autopilot.ts';
import { decideFormation, rememberCandidates } from './formation.ts';
import type { FormationDecision, FormationReport } from './formation.ts';

export const FORMATION_TOPIC = 'raft:formation';

/** Peers' reports are checked here, at the edge; a malformed one is ignored (and logged). */
const reportSchema = z.object({
  name: z.string().min(1),
  expect: z.number().int().positive().nullable(),
  founder: z.boolean(),
  seen: z.array(z.string()),
  voters: z.array(z.string()),
  learners: z.array(z.string()),
  hasState: z.boolean(),
  leader: z.string().nullable(),
});

/** What the driver needs of the Raft member (the Raft store has it). */
export interface FormationMember {
  hasState(): boolean;
  bootstrap(voters: readonly string[]): boolean;
  status(): {
    readonly role: string;
    readonly leader: string | null;
    readonly lastIndex: number;
    readonly voters: readonly string[];
    readonly learners: readonly string[];
    readonly progress: Readonly<Record<string, number>> | null;
  };
  addMember(name: string): Promise<void>;
  promote(name: string): Promise<void>;
  removeMember(name: string): Promise<void>;
}

export interface RaftMembershipOptions {
  readonly node: ClusterNode;
  readonly member: FormationMember;
  /** `--expect N`, or null. */
  readonly expect: number | null;
  /** This node may found the group and be a voter (a city node). */
  readonly founder: boolean;
  /** Founders named by the seeds (full names), or []. */
  readonly named: readonly string[];
  /** How long a member may be unreachable before autopilot replaces it, ms. Default 30 000. */
  readonly graceMs?: number;
  /** Period of reports and decisions, ms. Default 500: formation takes a few rounds of it. */
  readonly intervalMs?: number;
  readonly logger: Logger;
}

export interface RaftMembership {
  /** Why this node cannot be written through yet (formation, waiting to be added); null when a member. */
  notReady(): string | null;
  /** The latest formation decision. */
  decision(): FormationDecision;
  stop(): void;
}

export function startRaftMembership(o: RaftMembershipOptions): RaftMembership {
  const intervalMs = o.intervalMs ?? 500;
  const graceMs = o.graceMs ?? 30_000;
  const log = o.logger.child({ component: 'raft-membership' });
  const peers = new Map<string, FormationReport>();
  const downSince: Record<string, number> = {};
  let seen: string[] = [];
  let decision: FormationDecision = { kind: 'wait', reason: 'starting' };
  let lastReason = '';
  let changing = false;
  let stopped = false;

  const report = (): FormationReport => {
    const s = o.member.status();
    return {
      name: o.node.name,
      expect: o.expect,
      founder: o.founder,
      seen,
      voters: s.voters,
      learners: s.learners,
      hasState: o.member.hasState(),
      leader: s.leader,
    };
  };
  const publish = (): void => o.node.pubsub.publish(FORMATION_TOPIC, report());

  const form = (): void => {
    const hasState = o.member.hasState();
    const base = {
      self: o.node.name,
      expect: o.expect,
      founder: o.founder,
      named: o.named,
      hasState,
      peers: [...peers.values()],
    };
    seen = rememberCandidates(seen, base);
    decision = decideFormation({ ...base, seen });
    if (decision.kind === 'bootstrap') {
      if (o.member.bootstrap(decision.voters)) log.info({ voters: decision.voters }, decision.reason);
      decision = { kind: 'formed' };
    }
    const reason = decision.kind === 'formed' ? membershipReason() : decision.reason;
    if (reason !== null && reason !== lastReason) {
      (decision.kind === 'refuse' ? log.error.bind(log) : log.warn.bind(log))(`not writable: ${reason}`);
    }
    if (reason === null && lastReason !== '') log.info('raft member formed');
    lastReason = reason ?? '';
  };

  /** A member with state that is in no configuration (not added yet, or removed) says so. */
  const membershipReason = (): string | null => {
    const s = o.member.status();
    if (s.voters.includes(o.node.name) || s.learners.includes(o.node.name)) return null;
    if (s.voters.length === 0 && s.learners.length === 0) return null; // state from a leader, config next
    return 'not a member of the raft group (yet): waiting for its leader to add this node';
  };

  const pilot = (): void => {
    const s = o.member.status();
    if (s.role !== 'leader' || s.progress === null) {
      for (const k of Object.keys(downSince)) delete downSince[k];
      return;
    }
    const now = Date.now();
    const live = new Set(o.node.nodes());
    for (const m of [...s.voters, ...s.learners]) {
      if (m === o.node.name || live.has(m)) delete downSince[m];
      else downSince[m] ??= now;
    }
    for (const k of Object.keys(downSince)) {
      if (!s.voters.includes(k) && !s.learners.includes(k)) delete downSince[k];
    }
    if (changing) return;
    const cities = new Set<string>(s.voters);
    if (o.founder) cities.add(o.node.name);
    for (const p of peers.values()) if (p.founder && live.has(p.name)) cities.add(p.name);
    const change = decideAutopilot({
      self: o.node.name,
      voters: s.voters,
      learners: s.learners,
      match: s.progress,
      lastIndex: s.lastIndex,
      live: [...live],
      cities: [...cities],
      downSince,
      now,
      graceMs,
    });
    if (change.kind !== 'none') apply(change);
  };

  const apply = (change: Exclude<AutopilotChange, { kind: 'none' }>): void => {
    changing = true;
    const run =
      change.kind === 'add-learner'
        ? o.member.addMember(change.node)
        : change.kind === 'promote'
          ? o.member.promote(change.node)
          : o.member.removeMember(change.node);
    run
      .then(
        () =>
          log.info(
            { node: change.node, change: change.kind },
            `autopilot: ${change.kind} (${change.reason})`,
          ),
        (err: unknown) =>
          log.warn(
            { node: change.node, change: change.kind, err: String(err) },
            'autopilot change failed; will retry',
          ),
      )
      .finally(() => {
        changing = false;
      });
  };

  const round = (): void => {
    if (stopped) return;
    form();
    pilot();
    publish();
  };

  const unlisten = o.node.pubsub.listen(FORMATION_TOPIC, (msg) => {
    const parsed = reportSchema.safeParse(msg);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.slice(0, 3) }, 'malformed formation report ignored');
      return;
    }
    const r: FormationReport = parsed.data;
    if (r.name === o.node.name || !o.node.isConnected(r.name)) return;
    peers.set(r.name, r);
    if (decision.kind !== 'formed') form();
  });
  const offUp = o.node.onNodeUp(() => publish());
  const offDown = o.node.onNodeDown((peer) => peers.delete(peer));
  const timer = every(intervalMs, round);
  round();

  return {
    notReady: () => (decision.kind === 'formed' ? membershipReason() : decision.reason),
    decision: () => decision,
    stop: () => {
      stopped = true;
      timer.cancel();
      unlisten();
      offUp();
      offDown();
    },
  };
}
