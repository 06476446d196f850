/**
 * Linearizable reads with ReadIndex (Raft thesis 6.4). A read waits until this member has applied
 * the leader's commit index as of a moment after the read began, confirmed by a heartbeat round
 * with a majority; then the local state machine holds every write acknowledged before the read.
 *
 * Reads batch: all reads queued since the last request share one ReadIndex request, so 64 reads
 * in flight cost one heartbeat round, not 64. On a follower the core forwards the request to the
 * leader; an answer lost in a leader change is asked for again after an election timeout.
 *
 * Example:
 * ```ts
 * await barrier.wait(5000);        // then read the local state machine
 * ```
 *
 * Errors: `NoQuorumError` when no leader or majority has been in reach for an election timeout
 * (at once) or at the deadline; `RequestTimeoutError` at the deadline otherwise.
 *
 * When not to use: `stale` reads, which read the local replica without any round trip.
 */
import { NoQuorumError, RequestTimeoutError } from './errors.ts';

export interface ReadHost {
  readonly electionTimeoutMs: number;
  now(): number;
  /** Asks the core for a read index; false when no leader is known. */
  readIndex(ctx: string): boolean;
  applied(): number;
  noQuorumForMs(): number;
  noQuorumReason(): string;
}

interface Waiter {
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  done: boolean;
}

interface Group {
  readonly index: number;
  readonly waiters: Waiter[];
}

export class ReadBarrier {
  private readonly host: ReadHost;
  private readonly live = new Set<Waiter>();
  private queued: Waiter[] = [];
  private readonly outstanding = new Map<string, { waiters: Waiter[]; at: number }>();
  /** Answered reads waiting for the local apply to catch up, by read index ascending. */
  private waitingApply: Group[] = [];
  private readonly prefix = Math.floor(Math.random() * 2 ** 32).toString(36);
  private seq = 0;

  constructor(host: ReadHost) {
    this.host = host;
  }

  get hasQueued(): boolean {
    return this.queued.length > 0;
  }

  get size(): number {
    return this.live.size;
  }

  wait(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.host.noQuorumForMs() >= this.host.electionTimeoutMs) {
        reject(new NoQuorumError(`no quorum: ${this.host.noQuorumReason()}`));
        return;
      }
      const w: Waiter = { deadline: this.host.now() + timeoutMs, resolve, reject, done: false };
      this.live.add(w);
      this.queued.push(w);
    });
  }

  /** Issues one ReadIndex request for every read queued since the last one. */
  issue(): void {
    if (this.queued.length === 0) return;
    const ctx = `${this.prefix}.${++this.seq}`;
    if (!this.host.readIndex(ctx)) return;
    this.outstanding.set(ctx, { waiters: this.queued, at: this.host.now() });
    this.queued = [];
  }

  /** The core answered `ctx`: reads at `index` or later are linearizable. */
  answer(ctx: string, index: number): void {
    const o = this.outstanding.get(ctx);
    if (o === undefined) return;
    this.outstanding.delete(ctx);
    const waiters = o.waiters.filter((w) => !w.done);
    if (waiters.length === 0) return;
    if (this.host.applied() >= index) {
      for (const w of waiters) this.finish(w);
      return;
    }
    let i = this.waitingApply.length;
    while (i > 0 && this.waitingApply[i - 1]!.index > index) i--;
    this.waitingApply.splice(i, 0, { index, waiters });
  }

  /** The local state machine reached `index`. */
  applied(index: number): void {
    let n = 0;
    while (n < this.waitingApply.length && this.waitingApply[n]!.index <= index) {
      for (const w of this.waitingApply[n]!.waiters) this.finish(w);
      n++;
    }
    if (n > 0) this.waitingApply = this.waitingApply.slice(n);
  }

  /** A new leader: requests sent to the old one may never be answered; ask again. */
  onLeaderChange(): void {
    for (const o of this.outstanding.values()) this.queued.push(...o.waiters.filter((w) => !w.done));
    this.outstanding.clear();
  }

  tick(): void {
    const now = this.host.now();
    if (this.live.size === 0) return;
    if (this.host.noQuorumForMs() >= this.host.electionTimeoutMs) {
      this.failAll(new NoQuorumError(`no quorum: ${this.host.noQuorumReason()}`));
      return;
    }
    for (const [ctx, o] of this.outstanding) {
      if (now - o.at < this.host.electionTimeoutMs) continue;
      this.outstanding.delete(ctx);
      this.queued.push(...o.waiters.filter((w) => !w.done));
    }
    for (const w of [...this.live]) {
      if (now < w.deadline) continue;
      const err =
        this.host.noQuorumForMs() > 0
          ? new NoQuorumError(`no quorum: ${this.host.noQuorumReason()}`)
          : new RequestTimeoutError('linearizable read did not complete in time');
      this.fail(w, err);
    }
    this.queued = this.queued.filter((w) => !w.done);
  }

  failAll(err: Error): void {
    for (const w of [...this.live]) this.fail(w, err);
    this.queued = [];
    this.outstanding.clear();
    this.waitingApply = [];
  }

  private finish(w: Waiter): void {
    if (w.done) return;
    w.done = true;
    this.live.delete(w);
    w.resolve();
  }

  private fail(w: Waiter, err: Error): void {
    if (w.done) return;
    w.done = true;
    this.live.delete(w);
    w.reject(err);
  }
}
