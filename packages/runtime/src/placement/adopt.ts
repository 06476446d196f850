/**
 * What a node does with a copy of a child it runs while the record names another owner (or none).
 * After an AP partition heals, or a paused node resumes, a child runs on two nodes and the records
 * converge on one owner — often not the node the placement strategy wants, which then hands the
 * child over. If the wanted node runs a copy itself, stopping that copy only to start it again a
 * moment later (when the release arrives) leaves the child unhosted for a few hundred ms and costs
 * two more store writes. So the wanted node keeps its copy:
 *
 * - `adopt`: the record names no owner (released, with the last owner's state in `handoff`) or an
 *   owner that is gone — claim the record for the running copy and merge the handed-over state in;
 * - `wait`: the record names a live owner, which will hand the child over to us, or one not yet
 *   known to be gone (held after our own pause, or within the unknown-owner grace) — keep the copy
 *   running until the release arrives or the owner is gone, but at most `maxWaitMs` (two nodes that
 *   disagree about the live set must not keep two copies for good);
 * - `merge-away`: anything else, and always in CP mode (a running copy's writes are fenced by the
 *   epoch it started with, so it cannot be adopted at a new epoch): hand the state to the owner's
 *   copy and stop.
 *
 * ```ts
 * const action = runningCopyAction({ ap: true, self, desired, owner, ownerLive, ownerGone, leaving, waitedMs, maxWaitMs });
 * ```
 *
 * Pure: time comes in as `waitedMs`.
 */
export type RunningCopyAction = 'adopt' | 'wait' | 'merge-away';

export interface RunningCopyInput {
  /** The store has no transactions (AP): copies are not fenced by epoch. */
  readonly ap: boolean;
  readonly self: string;
  /** The node the placement strategy picks among the live ones, if any. */
  readonly desired: string | undefined;
  /** The record's owner; '' when released. */
  readonly owner: string;
  /** The owner is connected (in this node's live set). */
  readonly ownerLive: boolean;
  /** The owner may be replaced (seen down and not held, or never seen within the grace). */
  readonly ownerGone: boolean;
  /** This node is leaving: it takes nothing. */
  readonly leaving: boolean;
  /** How long this copy has already waited for a live owner's release, ms (0 the first time). */
  readonly waitedMs: number;
  /** The longest wait for a live owner's release, ms. */
  readonly maxWaitMs: number;
}

export function runningCopyAction(i: RunningCopyInput): RunningCopyAction {
  if (!i.ap || i.leaving || i.desired !== i.self || i.owner === i.self) return 'merge-away';
  if (i.owner === '' || (!i.ownerLive && i.ownerGone)) return 'adopt';
  return i.waitedMs < i.maxWaitMs ? 'wait' : 'merge-away';
}
