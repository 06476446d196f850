/**
 * RefusalLog: turns a flood of refusals (connections, streams or requests over a limit) into a few
 * log lines. A pure counter: the caller passes the time and writes the line it is handed.
 *
 * ```ts
 * const refusals = new RefusalLog({ intervalMs: 10_000 });
 * const line = refusals.note('server_busy', performance.now());
 * if (line) log.warn({ refused: line.counts, ms: line.ms }, 'refusing requests over the limits');
 * ```
 *
 * The first refusal after a quiet spell is reported at once, so an operator sees a flood begin;
 * the ones after it are counted, and the first refusal at least `intervalMs` after the last report
 * reports them all, by code. A flood of 5,000 refusals in a second is thus two lines, not 5,000:
 * writing one line per refusal was a cost the attacker chose. `flush()` hands back what is still
 * counted (when the server closes).
 *
 * Invariant: every refusal noted is in exactly one report (returned by `note` or `flush`).
 *
 * When not to use: for counts a dashboard needs, read the request metrics (status and route).
 */

export interface RefusalReport {
  /** Refusals since the last report, by code. */
  readonly counts: Readonly<Record<string, number>>;
  /** Time these refusals span: from the first counted to this one, ms. */
  readonly ms: number;
}

export class RefusalLog {
  readonly intervalMs: number;
  #counts = new Map<string, number>();
  #firstAt = 0;
  /** Time of the last report; -Infinity before the first. */
  #reportedAt = -Infinity;

  /** `intervalMs`: least time between two reports. Default 10,000 ms: a few lines a minute at most. */
  constructor(options: { readonly intervalMs?: number } = {}) {
    const intervalMs = options.intervalMs ?? 10_000;
    if (!(Number.isFinite(intervalMs) && intervalMs >= 0))
      throw new RangeError(`intervalMs must be a number >= 0, got ${intervalMs}`);
    this.intervalMs = intervalMs;
  }

  /** Counts one refusal with `code` at `nowMs`; returns a report when one is due. */
  note(code: string, nowMs: number): RefusalReport | undefined {
    if (this.#counts.size === 0) this.#firstAt = nowMs;
    this.#counts.set(code, (this.#counts.get(code) ?? 0) + 1);
    if (nowMs - this.#reportedAt < this.intervalMs) return undefined;
    this.#reportedAt = nowMs;
    return this.#take(nowMs);
  }

  /** What is counted and not yet reported; undefined when nothing is. */
  flush(nowMs: number): RefusalReport | undefined {
    return this.#counts.size === 0 ? undefined : this.#take(nowMs);
  }

  #take(nowMs: number): RefusalReport {
    const report = { counts: Object.fromEntries(this.#counts), ms: Math.max(0, nowMs - this.#firstAt) };
    this.#counts = new Map();
    return report;
  }
}
