/**
 * Log lines about strangers, rate-limited: a peer that fails the handshake (wrong cookie, garbage,
 * a port scanner) or a connection refused because too many are still unauthenticated is worth a
 * warning, but a flood of them must not become a flood of log lines (disk, CPU, and the one line
 * that matters scrolled away).
 *
 * `LogBudget` is the pure core: a token bucket of `burst` lines refilled at `perSecond`, with time
 * as an input; it counts what it refused and hands that count to the next line it admits.
 * `RateLimitedLog` is the driver: a logger plus a clock. Nothing is lost silently: every line
 * admitted after a gap carries `suppressed` (lines not written since the last one), and `flush()`
 * (called when the transport closes) writes the count still pending.
 *
 * Example:
 * ```ts
 * const log = new RateLimitedLog(logger, scheduler, { burst: 10, perSecond: 1 });
 * log.warn({ code: 'ERR_HANDSHAKE_AUTH', remote }, 'handshake failed: the peer does not know the cookie');
 * ```
 *
 * Not for: lines about authenticated peers; those are rare and each one matters.
 */
import type { Logger } from 'pino';
import type { Scheduler } from './scheduler.ts';

export interface LogBudgetOptions {
  /** Lines that may be written back to back. Default 10: a short burst shows what is happening. */
  readonly burst?: number;
  /** Lines regained per second. Default 1: a steady flood costs one line a second. */
  readonly perSecond?: number;
}

export class LogBudget {
  private readonly burst: number;
  private readonly perMs: number;
  private tokens: number;
  private last: number | undefined;
  private refused = 0;

  constructor(options: LogBudgetOptions = {}) {
    this.burst = options.burst ?? 10;
    this.perMs = (options.perSecond ?? 1) / 1000;
    this.tokens = this.burst;
  }

  /** `undefined` to drop the line, else the number of lines dropped since the last one admitted. */
  admit(now: number): number | undefined {
    if (this.last !== undefined) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.perMs);
    }
    this.last = now;
    if (this.tokens < 1) {
      this.refused++;
      return undefined;
    }
    this.tokens -= 1;
    const suppressed = this.refused;
    this.refused = 0;
    return suppressed;
  }

  /** Lines dropped and not yet reported; resets the count. */
  takeRefused(): number {
    const n = this.refused;
    this.refused = 0;
    return n;
  }
}

export class RateLimitedLog {
  private readonly logger: Logger;
  private readonly scheduler: Scheduler;
  private readonly budget: LogBudget;

  constructor(logger: Logger, scheduler: Scheduler, options: LogBudgetOptions = {}) {
    this.logger = logger;
    this.scheduler = scheduler;
    this.budget = new LogBudget(options);
  }

  warn(fields: Record<string, unknown>, message: string): void {
    const suppressed = this.budget.admit(this.scheduler.now());
    if (suppressed === undefined) return;
    this.logger.warn(suppressed > 0 ? { ...fields, suppressed } : fields, message);
  }

  /** Reports lines still held back (the transport calls this when it closes). */
  flush(): void {
    const suppressed = this.budget.takeRefused();
    if (suppressed > 0) {
      this.logger.warn({ code: 'ERR_LOG_SUPPRESSED', suppressed }, 'more stranger connections were refused');
    }
  }
}
