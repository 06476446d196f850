/**
 * Holds back claims that a node's own pause would cause. While a node stands still (SIGSTOP, a VM
 * migration, a long GC) its peers declare it down and close its connections; when it runs again it
 * reads those closes first and sees every peer go down at once — only for the few milliseconds
 * until the connections are dialled again. Claiming the peers' children on that news would move
 * every child of the cluster twice. `ResumeHold` recognises the pause (a gap in the supervisor's
 * own 100-ms beat) and, for `holdMs` after it, reports the peers that went down meanwhile as held:
 * the supervisor leaves their children alone and looks again once the hold ends. A peer that is
 * really gone is claimed `holdMs` later on this node — the others, which did not pause, have
 * claimed its children already.
 *
 * ```ts
 * const hold = new ResumeHold({ stallMs: 1000, holdMs: 2000 });
 * hold.beat(now);                 // every 100 ms, and before acting on a membership event
 * hold.peerDown(peer, now);       // on node down
 * if (hold.held(peer, now)) …     // don't claim its children yet; look again at hold.until()
 * ```
 *
 * Pure: time is an input; no timers.
 */
export interface ResumeHoldOptions {
  /**
   * A gap between beats longer than this is our own pause, ms. Default 1 000: peers declare a
   * silent node down after 1.1–1.3 s, so a shorter stall of ours (a busy, starved event loop)
   * cannot have made them close on us, and does not hold back a failover.
   */
  readonly stallMs?: number;
  /**
   * How long after a pause a peer's going down is not believed, ms. Default 2 000: the dialler
   * redials after 100 ms and a handshake takes a round trip, so a peer that is up is back well
   * within it.
   */
  readonly holdMs?: number;
}

export class ResumeHold {
  private readonly stallMs: number;
  private readonly holdMs: number;
  private lastBeat: number | undefined;
  private resumedAt: number | undefined;
  private readonly downAt = new Map<string, number>();

  constructor(options: ResumeHoldOptions = {}) {
    this.stallMs = options.stallMs ?? 1000;
    this.holdMs = options.holdMs ?? 2000;
  }

  /**
   * The supervisor's beat. Returns true when this beat ends a pause (the hold starts now): the
   * caller arranges to look again at `until()`.
   */
  beat(now: number): boolean {
    const paused = this.lastBeat !== undefined && now - this.lastBeat > this.stallMs;
    this.lastBeat = now;
    if (paused) this.resumedAt = now;
    return paused;
  }

  peerDown(peer: string, now: number): void {
    this.downAt.set(peer, now);
  }

  peerUp(peer: string): void {
    this.downAt.delete(peer);
  }

  /** Whether `peer`'s going down is held: it went down during the hold after our own pause. */
  held(peer: string, now: number): boolean {
    const until = this.until();
    const at = this.downAt.get(peer);
    return until !== undefined && at !== undefined && at >= (this.resumedAt ?? 0) && now < until;
  }

  /** When the current hold ends; undefined if there has been no pause. */
  until(): number | undefined {
    return this.resumedAt === undefined ? undefined : this.resumedAt + this.holdMs;
  }
}
