/**
 * TurnGate: lets costly synchronous work through one piece per turn of the event loop, so that
 * sockets are read between two pieces.
 *
 * ```ts
 * const gate = new TurnGate();
 * await gate.turn();        // resolves in a turn of its own, after waiters queued before it
 * renderWholeTable(stream); // one piece of work; others wait for their own turns
 * ```
 *
 * Why: 128 page streams opened at once each render a full-table snapshot (a few ms apiece at 300
 * heroes). Their data arrive together, so without the gate they rendered back to back in one
 * turn: the node did not read a socket for half a second, and `/livez` and the failure detector's
 * heartbeats waited. Through the gate each turn renders one snapshot, then polls for I/O.
 *
 * Obligations: hold the turn only for synchronous work (the next waiter is let through in the next
 * turn whether or not the previous one finished); never wait for I/O while holding it. Waiters are
 * served in order.
 *
 * When not to use: for work that can be shared (render once, send to many), share it instead.
 */

export class TurnGate {
  readonly #waiting: (() => void)[] = [];
  #scheduled = false;

  /** Waiters not yet let through. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves in a later turn of the event loop, one waiter per turn, in order. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#waiting.length === 0) return;
    this.#scheduled = true;
    // An immediate queued while immediates run waits for the next turn, after the poll for I/O.
    setImmediate(() => {
      this.#scheduled = false;
      this.#waiting.shift()?.();
      this.#schedule();
    });
  }
}
