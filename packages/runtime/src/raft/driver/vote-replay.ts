/**
 * Ends a standoff after a leader dies. Two followers see the leader's connection close a few
 * milliseconds apart; the first to campaign may reach the second while the second still counts
 * the leader as alive, so its (pre-)vote request is ignored (the leader lease); the second then
 * campaigns too and the first refuses it (between equal logs the lower id goes first). Nothing
 * moves until an election timeout. Keeping the last vote request from each peer and stepping the
 * recent ones again once the leader is known to be gone resolves it at once.
 *
 * Example:
 * ```ts
 * replay.record(peer, msg, now);                                  // every (pre-)vote request
 * for (const m of replay.take(deadLeader, raw.term, now)) raw.step(m);   // on the leader's loss
 * ```
 *
 * When not to use: replaying is safe only for vote requests, which the core judges afresh.
 */
import type { Message } from '../core/types.ts';

export class VoteReplay {
  private readonly windowMs: number;
  private readonly last = new Map<string, { readonly m: Message; readonly at: number }>();

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  record(peer: string, m: Message, now: number): void {
    this.last.set(peer, { m, at: now });
  }

  /** Requests received within the window from peers other than `deadLeader`, for terms above `term`. */
  take(deadLeader: string, term: number, now: number): Message[] {
    const out: Message[] = [];
    for (const [from, { m, at }] of this.last) {
      if (from !== deadLeader && now - at <= this.windowMs && m.term > term) out.push(m);
    }
    this.last.clear();
    return out;
  }
}
