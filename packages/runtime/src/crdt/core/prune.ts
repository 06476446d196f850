/**
 * When a departed replica may be pruned from the version vector.
 *
 * Every restart adds a replica id (`node#incarnation`) to every version vector, and digests carry
 * the whole vector, so ids of replicas that are gone must eventually leave it. Pruning `r` makes
 * the context cover all of `r`'s dots forever (a local retirement marker, tens of bytes, never on
 * the wire), so nothing `r` wrote can come back. It is safe when all of these hold:
 *
 * 1. `r` has departed: it left for good (`peerDown` with `left`), or another incarnation of its
 *    node came up (a restarted node never reuses its id), and that was at least `pruneAfterMs`
 *    ago, so no message of `r` is still in flight.
 * 2. Every current member (live or merely unreachable) reported its context after `r` departed,
 *    and none knows a dot of `r` that we lack. So no write of `r` exists anywhere that we have not
 *    seen, and retiring `r` loses nothing.
 * 3. No entry written by `r` survives in our state and we received every write of `r` in full
 *    (no gap). Every write of `r` is then overwritten or deleted here, so covering them forever
 *    removes nothing visible.
 *
 * A member that stays unreachable blocks pruning until it returns or departs: a replica cut off
 * for a long time might hold writes of `r` nobody else has. Members' reports come from the
 * anti-entropy exchange (a summary equal to ours counts as "knows nothing we lack"); "knows" means
 * delivered writes (`applied`), the set anti-entropy compares.
 *
 * Example:
 * ```ts
 * for (const r of prunable(input)) map.retire(r);
 * ```
 *
 * API: `prunable(input)`, `PruneInput`, `PeerReport`.
 *
 * When not to use: never retire a replica that may come back with the same id.
 */
import type { CausalContext } from './causal-context.ts';
import type { ReplicaId } from './replica-id.ts';

/** What a member last told us about its context. */
export interface PeerReport {
  readonly atMs: number;
  /** Its context, or 'same' when its summary matched ours (so it knew nothing we lacked). */
  readonly ctx: CausalContext | 'same';
}

export interface PruneInput {
  readonly self: ReplicaId;
  readonly nowMs: number;
  readonly pruneAfterMs: number;
  /** Our delivered writes (`applied`), compared with the members' reports. */
  readonly ctx: CausalContext;
  /** Departed replicas and when we learned it. */
  readonly departed: ReadonlyMap<ReplicaId, number>;
  /** Current members other than ourselves (live or unreachable, not departed). */
  readonly members: Iterable<ReplicaId>;
  readonly reports: ReadonlyMap<ReplicaId, PeerReport>;
  readonly entryCountOf: (rep: ReplicaId) => number;
}

export function prunable(input: PruneInput): ReplicaId[] {
  const out: ReplicaId[] = [];
  const members = [...input.members];
  for (const [rep, departedAt] of input.departed) {
    if (rep === input.self || input.ctx.isRetired(rep)) continue;
    if (input.nowMs - departedAt < input.pruneAfterMs) continue;
    if (input.entryCountOf(rep) > 0 || input.ctx.cloudOf(rep).length > 0) continue;
    if (members.every((m) => knowsNoMore(input.reports.get(m), rep, departedAt, input.ctx))) out.push(rep);
  }
  return out;
}

function knowsNoMore(
  report: PeerReport | undefined,
  rep: ReplicaId,
  since: number,
  ours: CausalContext,
): boolean {
  if (report === undefined || report.atMs < since) return false;
  if (report.ctx === 'same') return true;
  const top = ours.max(rep);
  return report.ctx.max(rep) <= top && report.ctx.cloudOf(rep).every((seq) => seq <= top);
}
