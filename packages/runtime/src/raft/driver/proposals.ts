/**
 * Proposing on the leader's core: a command, or a membership change with the checks the core
 * leaves to its driver (idempotence, and a learner must have caught up before it is promoted).
 * Refusals become the router's reasons (`client-wire.ts`).
 *
 * Example:
 * ```ts
 * const out = proposeMembership(raw, { type: 'promote', node: 'smallville@10.0.0.4:4370' });
 * // { ok: true, index, term } | { ok: 'done' } | { ok: false, reason: 'pending', … }
 * ```
 *
 * When not to use: on a follower these only refuse; requests reach the leader through the router.
 */
import type { RawNode } from '../core/raw-node.ts';
import type { ConfChange, ProposeRejection } from '../core/types.ts';
import type { ProposeOutcome } from './requests.ts';

/** Most entries a learner may lag behind the leader's log and still be promoted. */
export const PROMOTE_MAX_LAG = 100;

export function proposeCommand(raw: RawNode, data: Uint8Array): ProposeOutcome {
  const r = raw.propose(data);
  return r.ok ? r : refusal(r.reason, r.leader, 'write');
}

export function proposeMembership(raw: RawNode, change: ConfChange): ProposeOutcome {
  const s = raw.status();
  if (s.role !== 'leader')
    return { ok: false, reason: 'not-leader', leader: s.leader, message: 'not the leader' };
  const voter = s.config.voters.includes(change.node);
  const member = voter || s.config.learners.includes(change.node);
  if (
    (change.type === 'add-learner' && member) ||
    ((change.type === 'add-voter' || change.type === 'promote') && voter) ||
    (change.type === 'remove' && !member)
  ) {
    return { ok: 'done' };
  }
  if (change.type === 'promote') {
    const pr = s.progress?.[change.node];
    if (pr === undefined) {
      return { ok: false, reason: 'invalid', leader: s.id, message: `${change.node} is not a learner` };
    }
    if (pr.match + PROMOTE_MAX_LAG < s.lastIndex) {
      return { ok: false, reason: 'pending', leader: s.id, message: `${change.node} is catching up` };
    }
  }
  const r = raw.proposeConfChange(change);
  return r.ok ? r : refusal(r.reason, r.leader, `${change.type} ${change.node}`);
}

/** The router's view of a proposal the core did not accept. */
function refusal(reason: ProposeRejection, leader: string | null, what: string): ProposeOutcome {
  switch (reason) {
    case 'overloaded':
      return { ok: false, reason: 'overloaded', leader, message: 'too many uncommitted bytes' };
    case 'transferring':
    case 'conf-change-pending':
      return { ok: false, reason: 'pending', leader, message: `${what}: ${reason}` };
    case 'invalid-conf-change':
      return { ok: false, reason: 'invalid', leader, message: `${what} does not apply` };
    case 'not-leader':
    case 'no-leader':
      return { ok: false, reason: 'not-leader', leader, message: reason };
  }
}
