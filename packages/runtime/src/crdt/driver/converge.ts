/**
 * Waiting for replicas to converge, for tests and tools: replicas have converged when their
 * summaries (hash of the writes received in full, hash of the entries held) are all equal.
 *
 * Example:
 * ```ts
 * const tookMs = await awaitConverged([storeA, storeB, storeC], 5000); // throws CrdtConvergeTimeoutError
 * summariesEqual([driverA.summary(), driverB.summary()]);
 * ```
 *
 * API: `SummarySource`, `summaryKey(summary)`, `summariesEqual(summaries)`,
 * `awaitConverged(sources, timeoutMs, pollMs)`.
 *
 * Equal 64-bit hashes of different states are possible in principle (about 2⁻⁶⁴ per comparison);
 * a test that must be exact compares the contents too.
 *
 * When not to use: in application code, which has no reason to wait for other replicas (that is
 * what the CP store is for).
 */
import type { SummaryMessage } from '../core/messages.ts';
import { CrdtConvergeTimeoutError } from './errors.ts';

export interface SummarySource {
  summary(): SummaryMessage;
}

/** `applied/state` as one comparable string. */
export function summaryKey(s: SummaryMessage): string {
  return `${s.applied[0]}.${s.applied[1]}/${s.state[0]}.${s.state[1]}`;
}

export function summariesEqual(summaries: readonly SummaryMessage[]): boolean {
  return new Set(summaries.map(summaryKey)).size <= 1;
}

/**
 * Polls every `pollMs` (default 10) until every source reports the same summary; resolves with the
 * time it took in ms, or rejects with `CrdtConvergeTimeoutError` after `timeoutMs` (default 10 000).
 */
export async function awaitConverged(
  sources: readonly SummarySource[],
  timeoutMs = 10_000,
  pollMs = 10,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const summaries = sources.map((s) => s.summary());
    if (summariesEqual(summaries)) return Date.now() - started;
    if (Date.now() - started >= timeoutMs)
      throw new CrdtConvergeTimeoutError(timeoutMs, summaries.map(summaryKey));
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
