/**
 * Record versions of the AP store, derived from the HLC stamp of the value a key holds:
 * `version = ms × 1024 + lc` (physical milliseconds, then the logical counter).
 *
 * - Every replica computes the same version for the same value (the stamp travels with it), so a
 *   version read on one node can be used with `expectVersion` on another once both hold that value.
 * - A write replaces what its replica holds with a stamp greater than everything that replica has
 *   issued or adopted (HLC), so the versions of one key grow with every write, whoever writes it.
 * - It stays a safe integer until the year 2248 (`2^53 / 1024` ms). The factor is 1024 and not
 *   65 536 because `ms × 65 536` passes `2^53` today.
 * - The logical counter must stay below 1024 for versions to keep growing: the driver advances its
 *   wall-clock input by 1 ms after a local write whose counter reached `MAX_LOCAL_LC`, so a burst of
 *   more than a thousand writes in one millisecond borrows a millisecond instead of overflowing.
 *   A remote counter above 1023 (a peer that does not do this) is clamped: versions then stop
 *   growing within that millisecond, they never go back.
 *
 * Example:
 * ```ts
 * stampVersion({ ms: 1_732_242_342_123, lc: 2 }); // 1_773_816_158_333_954
 * ```
 *
 * API: `stampVersion(stamp)`, `MAX_LOCAL_LC`.
 *
 * Caveat: a peer whose clock runs more than `maxDriftMs` ahead writes stamps this replica's clock
 * does not adopt (see `hlc.ts`); overwriting such a value here yields a smaller version. Clocks
 * within the drift bound (one minute by default) cannot cause that.
 *
 * When not to use: to order writes of different keys, or to measure time.
 */

/** Local writes keep the HLC logical counter at or below this (see above). */
export const MAX_LOCAL_LC = 1023;

const LC_SPAN = 1024;

export function stampVersion(stamp: { readonly ms: number; readonly lc: number }): number {
  return stamp.ms * LC_SPAN + Math.min(stamp.lc, LC_SPAN - 1);
}
