/**
 * Routing of writes and membership changes to the leader, with retries until a deadline.
 *
 * A request on the leader is proposed locally; on another member it is forwarded to the leader
 * (`client-wire.ts`), which answers once the entry is applied. When the leader changes, dies or
 * refuses, the request goes again to the next leader, with the same bytes: the table machine's
 * client sessions make a command that lands in the log twice apply once (the second copy returns
 * the first one's result). A request fails with:
 * - `NoQuorumError` at once when this member has had no leader, or no majority of voters in
 *   reach, for longer than an election timeout (fail fast on a minority side), or at its deadline
 *   when that is why it did not finish;
 * - `RequestTimeoutError` at its deadline otherwise;
 * - `MembershipChangeError` when a change does not apply; `DriverClosedError` on close.
 * `maybeApplied` on those errors is true once the request reached some leader's log.
 *
 * Example:
 * ```ts
 * const router = new RequestRouter(host);
 * const result = await router.submit(bytes, 5000);
 * ```
 *
 * The leader side (`serve`) proposes forwarded requests and answers through `IndexWaiters`.
 *
 * When not to use: reads; they need no log entry (`read-barrier.ts`).
 */
import type { ConfChange } from '../core/types.ts';
import type { ClientPayload, RefusalReason } from './client-wire.ts';
import { MembershipChangeError, NoQuorumError, RequestTimeoutError } from './errors.ts';
import type { IndexWaiters } from './index-waiters.ts';

export type ProposeOutcome =
  | { readonly ok: true; readonly index: number; readonly term: number }
  /** A membership change that is already in effect. */
  | { readonly ok: 'done' }
  | {
      readonly ok: false;
      readonly reason: RefusalReason;
      readonly leader: string | null;
      readonly message: string;
    };

export interface RouterHost {
  readonly self: string;
  readonly tickMs: number;
  readonly electionTimeoutMs: number;
  readonly waiters: IndexWaiters;
  leader(): string | null;
  isConnected(peer: string): boolean;
  propose(data: Uint8Array): ProposeOutcome;
  proposeConf(change: ConfChange): ProposeOutcome;
  sendClient(peer: string, payload: ClientPayload): boolean;
  now(): number;
  /** Milliseconds this member has been without a leader or without a majority in reach; 0 if neither. */
  noQuorumForMs(): number;
  /** Why there is no quorum, for error messages. */
  noQuorumReason(): string;
}

type Body =
  | { readonly kind: 'prop'; readonly data: Uint8Array }
  | { readonly kind: 'conf'; readonly change: ConfChange };

interface Req {
  readonly body: Body;
  readonly deadline: number;
  readonly resolve: (result: unknown) => void;
  readonly reject: (err: Error) => void;
  state: 'waiting' | 'local' | 'forwarded' | 'done';
  /** The request reached some leader's log. */
  maybeApplied: boolean;
  forwardId: number;
  forwardedTo: string | null;
  retryAt: number;
}

export class RequestRouter {
  private readonly host: RouterHost;
  private readonly pending = new Set<Req>();
  private readonly forwarded = new Map<number, Req>();
  private nextId = Math.floor(Math.random() * 2 ** 40);

  constructor(host: RouterHost) {
    this.host = host;
  }

  /** Unfinished requests of this member. */
  get size(): number {
    return this.pending.size;
  }

  /** Proposes `data` (a command) and resolves with the state machine's result for it. */
  submit(data: Uint8Array, timeoutMs: number): Promise<unknown> {
    return this.start({ kind: 'prop', data }, timeoutMs);
  }

  /** Applies one membership change; resolves once it is applied on the leader. */
  async change(change: ConfChange, timeoutMs: number): Promise<void> {
    await this.start({ kind: 'conf', change }, timeoutMs);
  }

  /** The leader changed: send waiting requests, and those forwarded to someone else, again. */
  onLeaderChange(): void {
    const leader = this.host.leader();
    for (const r of [...this.pending]) {
      if (r.state === 'waiting' || (r.state === 'forwarded' && r.forwardedTo !== leader)) {
        this.unforward(r);
        this.dispatch(r);
      }
    }
  }

  /** `peer` is gone: whatever was forwarded to it goes to the next leader. */
  onPeerDown(peer: string): void {
    for (const r of [...this.forwarded.values()]) {
      if (r.forwardedTo !== peer) continue;
      this.unforward(r);
      this.dispatch(r);
    }
  }

  /** Deadlines, fail-fast without quorum, and retries after a back-off. Called every tick. */
  tick(): void {
    const now = this.host.now();
    const noQuorum = this.host.noQuorumForMs() >= this.host.electionTimeoutMs;
    for (const r of [...this.pending]) {
      if (noQuorum) this.fail(r, this.noQuorumError(r));
      else if (now >= r.deadline) this.fail(r, this.deadlineError(r));
      else if (r.state === 'waiting' && r.retryAt <= now) this.dispatch(r);
    }
  }

  failAll(err: Error): void {
    for (const r of [...this.pending]) this.fail(r, err);
  }

  /** A RaftClient payload from `peer`: a request to serve as leader, or an answer to ours. */
  receive(peer: string, p: ClientPayload): void {
    switch (p.t) {
      case 'prop':
        this.serve(peer, p.id, this.host.propose(p.data), (result) => ({ t: 'prop-ok', id: p.id, result }));
        return;
      case 'conf':
        this.serve(peer, p.id, this.host.proposeConf(p.change), () => ({ t: 'conf-ok', id: p.id }));
        return;
      case 'prop-ok':
      case 'conf-ok': {
        const r = this.forwarded.get(p.id);
        if (r === undefined || r.forwardedTo !== peer) return;
        this.unforward(r);
        this.finish(r, p.t === 'prop-ok' ? p.result : undefined);
        return;
      }
      case 'refused': {
        const r = this.forwarded.get(p.id);
        if (r === undefined || r.forwardedTo !== peer) return;
        this.unforward(r);
        this.refused(r, p.reason, p.message);
        return;
      }
    }
  }

  private start(body: Body, timeoutMs: number): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const r: Req = {
        body,
        deadline: this.host.now() + timeoutMs,
        resolve,
        reject,
        state: 'waiting',
        maybeApplied: false,
        forwardId: 0,
        forwardedTo: null,
        retryAt: 0,
      };
      this.pending.add(r);
      this.dispatch(r);
    });
  }

  private serve(
    peer: string,
    id: number,
    out: ProposeOutcome,
    answer: (result: unknown) => ClientPayload,
  ): void {
    if (out.ok === true) {
      this.host.waiters.add(out.index, out.term, (o) => {
        this.host.sendClient(
          peer,
          o.applied
            ? answer(o.result)
            : { t: 'refused', id, reason: 'lost', leader: this.host.leader(), message: 'entry overwritten' },
        );
      });
    } else if (out.ok === 'done') {
      this.host.sendClient(peer, answer(undefined));
    } else {
      this.host.sendClient(peer, {
        t: 'refused',
        id,
        reason: out.reason,
        leader: out.leader,
        message: out.message,
      });
    }
  }

  private dispatch(r: Req): void {
    if (r.state === 'done') return;
    const now = this.host.now();
    if (this.host.noQuorumForMs() >= this.host.electionTimeoutMs) return this.fail(r, this.noQuorumError(r));
    if (now >= r.deadline) return this.fail(r, this.deadlineError(r));
    r.state = 'waiting';
    if (r.retryAt > now) return;
    const leader = this.host.leader();
    if (leader === null) return;
    if (leader === this.host.self) {
      const out =
        r.body.kind === 'prop' ? this.host.propose(r.body.data) : this.host.proposeConf(r.body.change);
      if (out.ok === true) {
        r.state = 'local';
        r.maybeApplied = true;
        this.host.waiters.add(out.index, out.term, (o) => {
          if (r.state !== 'local') return;
          if (o.applied) this.finish(r, o.result);
          else this.dispatch(r);
        });
      } else if (out.ok === 'done') {
        this.finish(r, undefined);
      } else {
        this.refused(r, out.reason, out.message);
      }
      return;
    }
    if (!this.host.isConnected(leader)) return;
    const id = ++this.nextId;
    const payload: ClientPayload =
      r.body.kind === 'prop'
        ? { t: 'prop', id, data: r.body.data }
        : { t: 'conf', id, change: r.body.change };
    if (!this.host.sendClient(leader, payload)) return;
    r.state = 'forwarded';
    r.forwardId = id;
    r.forwardedTo = leader;
    // Once handed to a leader it may land in the log even if no answer comes back.
    r.maybeApplied = true;
    this.forwarded.set(id, r);
  }

  private refused(r: Req, reason: RefusalReason, message: string): void {
    r.state = 'waiting';
    switch (reason) {
      case 'lost':
        this.dispatch(r);
        return;
      case 'invalid':
        this.fail(r, new MembershipChangeError(message));
        return;
      case 'not-leader':
      case 'overloaded':
      case 'pending':
      case 'closed':
        // Back off one tick: a stale view of the leader or a busy leader must not cause a hot loop.
        r.retryAt = this.host.now() + this.host.tickMs;
        return;
    }
  }

  private unforward(r: Req): void {
    if (r.state !== 'forwarded') return;
    this.forwarded.delete(r.forwardId);
    r.forwardedTo = null;
    r.state = 'waiting';
  }

  private finish(r: Req, result: unknown): void {
    if (r.state === 'done') return;
    this.unforward(r);
    r.state = 'done';
    this.pending.delete(r);
    r.resolve(result);
  }

  private fail(r: Req, err: Error): void {
    if (r.state === 'done') return;
    this.unforward(r);
    r.state = 'done';
    this.pending.delete(r);
    r.reject(err);
  }

  private noQuorumError(r: Req): Error {
    const tail = r.maybeApplied ? ' (it reached a leader and may still be applied)' : ' (not applied)';
    return new NoQuorumError(`no quorum: ${this.host.noQuorumReason()}${tail}`, {
      maybeApplied: r.maybeApplied,
    });
  }

  private deadlineError(r: Req): Error {
    if (this.host.noQuorumForMs() > 0) return this.noQuorumError(r);
    const what =
      r.body.kind === 'prop' ? 'write' : `membership change (${r.body.change.type} ${r.body.change.node})`;
    return new RequestTimeoutError(
      `${what} did not complete in time${r.maybeApplied ? '; it may still be applied' : ''}`,
      { maybeApplied: r.maybeApplied },
    );
  }
}
