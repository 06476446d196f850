/**
 * What this member can tell about quorum from its own vantage point: since when it has had no
 * leader, since when fewer than a majority of voters are connected to it, and when it last heard
 * from each peer. These decide `writable()` and when requests fail fast with `no_quorum`.
 *
 * Example:
 * ```ts
 * const watch = new QuorumWatch(self, 1000, (peer) => node.isConnected(peer));
 * watch.update(raw.leader, conf, performance.now());
 * if (watch.noQuorumForMs(now) >= 1000) fail('no quorum: ' + watch.reason(conf, now));
 * ```
 *
 * When not to use: it is advice for clients, not a safety mechanism; commits are decided by Raft.
 */
import { quorumSize } from '../core/conf-change.ts';
import type { ConfState } from '../core/types.ts';

export class QuorumWatch {
  private readonly self: string;
  private readonly electionTimeoutMs: number;
  private readonly isConnected: (peer: string) => boolean;
  private readonly lastHeard = new Map<string, number>();
  private leaderlessSince: number | null;
  private quorumLostSince: number | null;

  constructor(self: string, electionTimeoutMs: number, isConnected: (peer: string) => boolean, now: number) {
    this.self = self;
    this.electionTimeoutMs = electionTimeoutMs;
    this.isConnected = isConnected;
    this.leaderlessSince = now;
    this.quorumLostSince = now;
  }

  /** A majority of voters (this member included) is connected now. */
  get quorumVisible(): boolean {
    return this.quorumLostSince === null;
  }

  heard(peer: string, now: number): void {
    this.lastHeard.set(peer, now);
  }

  update(leader: string | null, conf: ConfState, now: number): void {
    if (leader === null) this.leaderlessSince ??= now;
    else this.leaderlessSince = null;
    if (conf.voters.length > 0 && this.connectedVoters(conf) >= quorumSize(conf)) this.quorumLostSince = null;
    else this.quorumLostSince ??= now;
  }

  /** How long this member has been without a leader or without a majority in reach; 0 if neither. */
  noQuorumForMs(now: number): number {
    return Math.max(
      this.leaderlessSince === null ? 0 : now - this.leaderlessSince,
      this.quorumLostSince === null ? 0 : now - this.quorumLostSince,
    );
  }

  reason(conf: ConfState, now: number): string {
    if (conf.voters.length === 0) return 'this member is not part of the group yet';
    const parts: string[] = [];
    if (this.leaderlessSince !== null)
      parts.push(`no leader for ${Math.round(now - this.leaderlessSince)} ms`);
    if (this.quorumLostSince !== null) {
      parts.push(
        `${this.connectedVoters(conf)} of ${conf.voters.length} voters in reach, ${quorumSize(conf)} needed`,
      );
    }
    return parts.length > 0 ? parts.join('; ') : 'the request could not commit';
  }

  /**
   * On the leader: a majority of voters answered within an election timeout. Elsewhere: a leader
   * is known and was heard from within one.
   */
  writable(leader: string | null, conf: ConfState, now: number): boolean {
    // A member that has heard a leader but not yet applied a configuration (it is still being
    // added) would have its requests refused as outside the group: not writable yet.
    if (leader === null || conf.voters.length === 0) return false;
    const recent = (peer: string): boolean =>
      now - (this.lastHeard.get(peer) ?? -Infinity) < this.electionTimeoutMs;
    if (leader !== this.self) return recent(leader);
    let n = 0;
    for (const v of conf.voters) if (v === this.self || recent(v)) n++;
    return n >= quorumSize(conf);
  }

  private connectedVoters(conf: ConfState): number {
    let n = 0;
    for (const v of conf.voters) if (v === this.self || this.isConnected(v)) n++;
    return n;
  }
}
