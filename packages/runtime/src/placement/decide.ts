/**
 * The placement decision for one child, as a pure function: given the child's record, the copy
 * running here (if any), the live members and this node's view of them, what this node does next.
 * The distributed supervisor gathers the inputs, calls `decide`, and carries the decision out
 * (store writes, spawns, stops, hand-offs); nothing here reads a clock, the store or the network.
 *
 * ```ts
 * const d = decide({ self, record, version, running, desired, live, ap, writable, leaving, ownerGone, waitedMs, maxWaitMs });
 * if (d.kind === 'claim') await table.put(key, { ...record, owner: self, epoch: record.epoch + 1 }, { expectVersion: version });
 * ```
 *
 * The decisions, in the order they are considered:
 * - no record: `stop` a copy running here (the child was removed), else `idle`;
 * - the record names this node:
 *   - a copy runs here at the record's epoch: in AP mode `record-pid` if the record does not name
 *     its pid yet (in CP mode the owner announces its copies' pids to its peers instead, so a start
 *     costs no write: `pid-table.ts`); `hand-off` to the node the strategy now wants, if that node is live and not this one; else
 *     `idle`;
 *   - a copy runs here at another epoch: in AP mode `keep-given` (the record was given to this node
 *     while its copy ran: keep the copy rather than stop and start it); in CP mode the copy's writes
 *     are fenced by its old epoch, so it stops, and the child `start`s afresh (`stopFirst`);
 *   - no copy runs: `remove` the record if the copy that ran here at its epoch finished on its own
 *     (its removal did not apply yet: a finished child is not started again), else `start` (either
 *     one `defer`s while the store takes no writes);
 * - the record names another node (or none) and a copy runs here: `runningCopyAction` (`adopt.ts`)
 *   says `adopt`, `wait` or `merge-away`;
 * - no copy runs here: `claim` the record (owner = this node, epoch + 1) when the strategy wants this
 *   node, the owner is gone (or none) and this node is not leaving; `defer` while the store takes no
 *   writes; else `idle`.
 *
 * `changed`: whether the decision changes something (the supervisor reruns its reconciliation of a
 * key while it does).
 *
 * Pure: time comes in as `waitedMs`, the failure detector's verdict as `ownerGone`.
 */
import type { Pid } from '../actor/pid.ts';
import { samePid } from '../actor/pid.ts';
import { runningCopyAction } from './adopt.ts';
import type { PlacementRecord } from './types.ts';

export interface DecideInput {
  readonly self: string;
  /** The child's record as this node last read it; undefined when there is none. */
  readonly record: PlacementRecord | undefined;
  /** The copy of the child running on this node, with the epoch it started at. */
  readonly running: { readonly pid: Pid; readonly epoch: number } | undefined;
  /** The node the placement strategy picks among `live`, if any. */
  readonly desired: string | undefined;
  /** The members this node counts as live, itself included. */
  readonly live: readonly string[];
  /** The store has no transactions (AP): copies are not fenced by epoch. */
  readonly ap: boolean;
  /** The store takes writes now (a quorum is in reach). */
  readonly writable: boolean;
  /** This node is leaving: it takes nothing. */
  readonly leaving: boolean;
  /**
   * The record's owner may be replaced: no owner, or seen down and not held (`resume-hold.ts`), or
   * never seen within the grace after this node started.
   */
  readonly ownerGone: boolean;
  /** How long a copy here has already waited for a live owner's release, ms (0 the first time). */
  readonly waitedMs: number;
  /** The longest such wait, ms. */
  readonly maxWaitMs: number;
  /**
   * The copy that ran here at the record's epoch exited normally (finished on its own) and the
   * record's removal has not been seen yet. Default false.
   */
  readonly finished?: boolean;
}

export type Decision =
  | { readonly kind: 'idle' }
  | { readonly kind: 'stop' }
  | { readonly kind: 'record-pid' }
  | { readonly kind: 'hand-off'; readonly to: string }
  | { readonly kind: 'keep-given' }
  | { readonly kind: 'start'; readonly stopFirst: boolean }
  | { readonly kind: 'defer'; readonly stopFirst: boolean }
  | { readonly kind: 'wait' }
  | { readonly kind: 'adopt' }
  | { readonly kind: 'merge-away' }
  | { readonly kind: 'claim' }
  | { readonly kind: 'remove' };

const IDLE: Decision = { kind: 'idle' };

export function decide(i: DecideInput): Decision {
  const { self, record: rec, running } = i;
  if (rec === undefined) return running ? { kind: 'stop' } : IDLE;
  if (rec.owner === self) {
    if (running && running.epoch === rec.epoch) {
      if (i.ap && (rec.pid === undefined || !samePid(rec.pid, running.pid))) return { kind: 'record-pid' };
      if (i.desired === undefined || i.desired === self || !i.live.includes(i.desired)) return IDLE;
      return { kind: 'hand-off', to: i.desired };
    }
    if (running && i.ap) return { kind: 'keep-given' };
    if (!running && i.finished === true)
      return i.writable ? { kind: 'remove' } : { kind: 'defer', stopFirst: false };
    const stopFirst = running !== undefined;
    return i.writable ? { kind: 'start', stopFirst } : { kind: 'defer', stopFirst };
  }
  if (running) {
    return {
      kind: runningCopyAction({
        ap: i.ap,
        self,
        desired: i.desired,
        owner: rec.owner,
        ownerLive: i.live.includes(rec.owner),
        ownerGone: i.ownerGone,
        leaving: i.leaving,
        waitedMs: i.waitedMs,
        maxWaitMs: i.maxWaitMs,
      }),
    };
  }
  const ownerGone = rec.owner === '' || (!i.live.includes(rec.owner) && i.ownerGone);
  if (i.desired !== self || !ownerGone || i.leaving) return IDLE;
  return i.writable ? { kind: 'claim' } : { kind: 'defer', stopFirst: false };
}

/** Whether carrying `d` out changes something (the supervisor looks at the key again if so). */
export function changes(d: Decision): boolean {
  switch (d.kind) {
    case 'idle':
    case 'wait':
      return false;
    case 'defer':
      return d.stopFirst;
    default:
      return true;
  }
}
