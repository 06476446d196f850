/**
 * RecentLog: the last N log events of this node, so a page that opens (or reconnects) shows what
 * just happened instead of an empty log.
 *
 * ```ts
 * const recent = new RecentLog(200);
 * const stop = service.subscribe((e) => recent.push(e));
 * recent.entries(); // oldest first
 * ```
 *
 * A fixed-size ring: `push` is O(1) and memory is bounded whatever the event rate.
 *
 * When not to use: it is a view aid, not an audit log; entries are lost on restart.
 */
import type { DispatchEvent } from '../model.ts';
import type { LogEntry } from './page-feed.ts';

export class RecentLog {
  readonly #capacity: number;
  readonly #ring: (LogEntry | undefined)[];
  #next = 0;
  #size = 0;

  /** `capacity`: lines kept; default 200, the page's own log length. */
  constructor(capacity = 200) {
    this.#capacity = Math.max(1, capacity);
    this.#ring = new Array<LogEntry | undefined>(this.#capacity).fill(undefined);
  }

  /** Keeps log events; other events are ignored, so it can subscribe to the service directly. */
  push(event: DispatchEvent): void {
    if (event.type !== 'log') return;
    this.#ring[this.#next] = { level: event.level, message: event.message, at: event.at };
    this.#next = (this.#next + 1) % this.#capacity;
    this.#size = Math.min(this.#size + 1, this.#capacity);
  }

  /** The kept entries, oldest first. */
  entries(): LogEntry[] {
    const out: LogEntry[] = [];
    const start = (this.#next - this.#size + this.#capacity) % this.#capacity;
    for (let i = 0; i < this.#size; i++) {
      const entry = this.#ring[(start + i) % this.#capacity];
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }
}
