/**
 * One running actor: its mailbox, state and bookkeeping (links, monitors, timers, deferred calls).
 * The cell is also the `ActorContext` its callbacks receive, so an idle actor costs one object.
 *
 * Invariants:
 * - one message at a time: `busy` is true from the moment a drain is scheduled until the mailbox is
 *   empty, including while an async callback is awaited;
 * - after `alive` turns false no callback runs again (a late async result is ignored);
 * - a drain yields to the event loop after `DRAIN_BUDGET` messages, so one busy actor cannot starve
 *   I/O or other actors. Messages that arrive from outside every actor (an I/O callback, a timer)
 *   resume a yielded actor in a microtask and raise its next budget by their number: processing
 *   keeps pace with the socket that feeds it, so a burst is handled as it is read rather than
 *   piling up in the mailbox (where it would survive young-generation collections and grow the
 *   heap). Sends made by actors neither resume a yielded actor nor raise its budget;
 * - drains chain through microtasks (an actor sends, the receiver runs next) only up to
 *   `TURN_BUDGET` messages per turn of the event loop; past that, a newly scheduled drain waits for
 *   `setImmediate`, so actors messaging each other without end cannot starve timers and I/O.
 */
import type { Logger } from 'pino';
import type { Pid, Ref } from './pid.ts';
import { pidKey } from './pid.ts';
import type { ActorSystem } from './system.ts';
import type { ActorContext, AnyBehaviour, CallResult, Dest, ExitReason, From, TimerRef } from './types.ts';
import { UnhandledCallError, formatReason } from './errors.ts';
import { Mailbox } from './mailbox.ts';

export const CALL = 0;
export const CAST = 1;
export const INFO = 2;

/** A message as the system hands it over when it cannot be delivered (the mailbox stores none). */
export interface Envelope {
  readonly k: number;
  readonly msg: unknown;
  readonly from?: From | undefined;
}

const DRAIN_BUDGET = 512;

/** How many drains are running on the stack: a send with depth 0 comes from outside every actor. */
let drainDepth = 0;

/** Messages handled since the event loop last reached its check phase (`setImmediate`). */
let handledThisTurn = 0;
const TURN_BUDGET = 4096;
const newTurn = (): void => {
  handledThisTurn = 0;
};

/** Yield tickets, shared by all cells (never 0). */
let nextTicket = 1;
const resumeCell = (cell: Cell, ticket: number): void => cell.resume(ticket);

export class Cell implements ActorContext {
  readonly self: Pid;
  readonly behaviour: AnyBehaviour;
  readonly system: ActorSystem;
  state: unknown = undefined;
  alive = true;
  initialized = false;
  trapping = false;
  parent: Pid | undefined = undefined;
  name: string | undefined = undefined;
  links: Map<string, Pid> | undefined = undefined;
  /** Monitors held on this actor by others: ref key → watcher and ref. */
  watchers: Map<string, { watcher: Pid; ref: Ref }> | undefined = undefined;
  deferred: Set<From> | undefined = undefined;
  private timers: Map<number, unknown> | undefined = undefined;
  private mailbox: Mailbox | undefined = undefined;
  /** A graceful stop asked for: it runs after the current message, before the rest. */
  private stopping: { reason: ExitReason } | undefined = undefined;
  private busy = false;
  /**
   * Non-zero while a drain waits for `setImmediate` (it used up its budget): the ticket that
   * wake-up carries, so a stale one is told apart. Tickets count up from `nextTicket`.
   */
  private yieldTicket = 0;
  /** Messages from outside every actor since the last drain began: added to its budget. */
  private arrivals = 0;
  private stopRequested: { reason: ExitReason } | undefined = undefined;
  private logger: Logger | undefined = undefined;

  constructor(system: ActorSystem, self: Pid, behaviour: AnyBehaviour) {
    this.system = system;
    this.self = self;
    this.behaviour = behaviour;
  }

  get log(): Logger {
    this.logger ??= this.system.log.child({ actor: this.name ?? this.behaviour.name ?? pidKey(this.self) });
    return this.logger;
  }

  // ---- mailbox ------------------------------------------------------------------------------

  enqueue(k: number, msg: unknown, from?: From): void {
    if (!this.alive) {
      if (k === CALL) this.system.rejectEnvelope({ k, msg, from }, this.self);
      return;
    }
    (this.mailbox ??= new Mailbox()).push(k, msg, from);
    if (drainDepth !== 0) {
      this.schedule();
      return;
    }
    this.arrivals++;
    if (this.yieldTicket !== 0) {
      this.yieldTicket = 0;
      queueMicrotask(this.run);
      return;
    }
    this.schedule();
  }

  /** A graceful stop jumps the queue: it runs after the current message, before the rest. */
  enqueueStop(reason: ExitReason): void {
    if (!this.alive) return;
    // A later stop overtakes an earlier one that has not run yet, as it would jump the queue ahead of it.
    this.stopping = { reason };
    this.schedule();
  }

  markInitialized(state: unknown): void {
    this.state = state;
    this.initialized = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.busy || !this.initialized || (this.stopping === undefined && !this.mailbox?.length)) return;
    this.busy = true;
    if (handledThisTurn < TURN_BUDGET) {
      queueMicrotask(this.run);
      return;
    }
    this.yieldToLoop();
  }

  private yieldToLoop(): void {
    this.yieldTicket = nextTicket++;
    setImmediate(resumeCell, this, this.yieldTicket);
  }

  private readonly run = (): void => {
    this.drain();
  };

  /** The wake-up after a yield, unless an arrival resumed the drain first. */
  resume(ticket: number): void {
    if (ticket !== this.yieldTicket) return;
    this.yieldTicket = 0;
    this.drain();
  }

  private drain(): void {
    drainDepth++;
    try {
      this.drainBudgeted();
    } finally {
      drainDepth--;
    }
  }

  private drainBudgeted(): void {
    const box = this.mailbox;
    let budget = DRAIN_BUDGET + this.arrivals;
    this.arrivals = 0;
    while (this.alive) {
      if (this.stopping) {
        const { reason } = this.stopping;
        this.stopping = undefined;
        void this.exit(reason, true);
        return;
      }
      if (box === undefined || box.length === 0) break;
      if (budget-- === 0) {
        this.yieldToLoop();
        return;
      }
      if (handledThisTurn++ === 0) setImmediate(newTurn);
      box.take();
      const k = box.kind;
      const msg = box.msg;
      const from = box.from;
      box.release();
      let result: unknown;
      try {
        result = this.dispatch(k, msg, from);
      } catch (err) {
        this.crash(err, k, from);
        return;
      }
      if (result instanceof Promise) {
        result.then(
          (value) => {
            if (!this.alive) return;
            if (this.complete(k, from, value)) this.drain();
          },
          (err: unknown) => {
            if (this.alive) this.crash(err, k, from);
          },
        );
        return;
      }
      if (!this.complete(k, from, result)) return;
    }
    this.busy = false;
  }

  private dispatch(k: number, msg: unknown, from: From | undefined): unknown {
    const b = this.behaviour;
    switch (k) {
      case CALL:
        if (!b.handleCall) throw new UnhandledCallError(pidKey(this.self));
        return b.handleCall(msg, from as From, this.state, this);
      case CAST:
        return b.handleCast ? b.handleCast(msg, this.state, this) : this.state;
      case INFO:
        return b.handleInfo ? b.handleInfo(msg, this.state, this) : this.unexpected(msg);
      default:
        return undefined;
    }
  }

  private unexpected(msg: unknown): unknown {
    this.log.debug({ msg }, 'unexpected message ignored');
    return this.state;
  }

  /** Applies a callback's result; false when the actor stopped. */
  private complete(k: number, from: From | undefined, result: unknown): boolean {
    if (k === CALL) {
      const r = result as CallResult<unknown, unknown>;
      this.state = r.state;
      if ('noreply' in r) (this.deferred ??= new Set()).add(from as From);
      else this.system.reply(from as From, r.reply);
    } else {
      this.state = result;
    }
    if (this.stopRequested) {
      void this.exit(this.stopRequested.reason, true);
      return false;
    }
    return true;
  }

  private crash(err: unknown, k: number, from: From | undefined): void {
    if (k === CALL && err instanceof UnhandledCallError) {
      this.system.replyError(from as From, err);
      this.busy = false;
      this.schedule();
      return;
    }
    this.log.error({ err, reason: formatReason(err) }, 'actor crashed');
    if (k === CALL) this.system.replyError(from as From, err, true);
    void this.exit(err, true);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /**
   * Ends this actor: runs `terminate` when asked to, then tells links, monitors and waiting callers.
   * A `killed` exit while `terminate` is still running finishes at once; the late terminate is ignored.
   */
  async exit(reason: ExitReason, runTerminate: boolean): Promise<void> {
    if (this.finished) return;
    if (!this.alive) {
      if (reason === 'killed') this.finish(reason);
      return;
    }
    this.alive = false;
    if (this.timers) {
      for (const handle of this.timers.values()) this.system.scheduler.clearTimeout(handle);
      this.timers = undefined;
    }
    if (runTerminate && this.initialized && this.behaviour.terminate) {
      try {
        await this.behaviour.terminate(reason, this.state, this);
      } catch (err) {
        this.log.error({ err }, 'terminate failed');
      }
    }
    this.finish(reason);
  }

  private finished = false;

  private finish(reason: ExitReason): void {
    if (this.finished) return;
    this.finished = true;
    const pending: Envelope[] = [];
    this.mailbox?.forEach((k, msg, from) => {
      if (k === CALL) pending.push({ k, msg, from });
    });
    this.mailbox = undefined;
    this.stopping = undefined;
    this.system.cleanup(this, reason, pending);
  }

  // ---- ActorContext -------------------------------------------------------------------------

  sendAfter(ms: number, msg: unknown): TimerRef {
    const timer = this.system.nextTimerId();
    const handle = this.system.scheduler.setTimeout(() => {
      this.timers?.delete(timer);
      this.enqueue(INFO, msg);
    }, ms);
    (this.timers ??= new Map()).set(timer, handle);
    return { timer };
  }

  cancelTimer(ref: TimerRef): boolean {
    const handle = this.timers?.get(ref.timer);
    if (handle === undefined) return false;
    this.system.scheduler.clearTimeout(handle);
    this.timers?.delete(ref.timer);
    return true;
  }

  reply(from: From, value: unknown): void {
    this.deferred?.delete(from);
    this.system.reply(from, value);
  }

  replyError(from: From, error: Error): void {
    this.deferred?.delete(from);
    this.system.replyError(from, error);
  }

  link(pid: Pid): void {
    this.system.link(this.self, pid);
  }

  unlink(pid: Pid): void {
    this.system.unlink(this.self, pid);
  }

  monitor(dest: Dest): Ref {
    return this.system.monitor(this.self, dest);
  }

  demonitor(ref: Ref): void {
    this.system.demonitor(ref);
  }

  trapExits(on: boolean): void {
    this.trapping = on;
  }

  stop(reason: ExitReason = 'normal'): void {
    this.stopRequested = { reason };
  }
}
