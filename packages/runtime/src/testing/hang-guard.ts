/**
 * A hang guard for tests: resolves or rejects as `work` does, or rejects with
 * "`what` did not happen within `timeoutMs` ms" if it has not settled by then. The bound is a
 * guard against a test that would otherwise wait forever, never a performance assertion: pick it
 * generously (seconds, not milliseconds), so a slow, busy machine never trips it.
 *
 * ```ts
 * await settlesWithin(app.close(), 30_000, 'server close');
 * ```
 *
 * The guard's timer holds the process open while it waits, so a test whose only pending work is
 * an unref'd timer in the code under test still runs to its end.
 */
import { CodedError } from '../util/errors.ts';
export class HangGuardError extends CodedError<'hang_guard'> {
  constructor(what: string, timeoutMs: number) {
    super('hang_guard', `${what} did not happen within ${timeoutMs} ms`);
  }
}

export async function settlesWithin<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangGuardError(what, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([work, guard]);
  } finally {
    clearTimeout(timer);
  }
}
