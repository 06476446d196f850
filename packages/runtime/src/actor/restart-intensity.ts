/**
 * Restart intensity, as OTP's supervisors count it: at most `maxRestarts` restarts within any window
 * of `periodMs`. A pure decision over the restart times so far; the supervisor owns the clock.
 */
export interface Intensity {
  /** Default 3, as OTP. */
  readonly maxRestarts: number;
  /** Default 5 000 ms, as OTP's 5 s. */
  readonly periodMs: number;
}

export const defaultIntensity: Intensity = { maxRestarts: 3, periodMs: 5000 };

/**
 * Record a restart at `now`. Returns the restarts still inside the window and whether this one is
 * allowed; when it is not, the supervisor must give up and exit.
 */
export function recordRestart(
  history: readonly number[],
  now: number,
  intensity: Intensity,
): { allowed: boolean; history: number[] } {
  const recent = history.filter((t) => now - t < intensity.periodMs);
  recent.push(now);
  return { allowed: recent.length <= intensity.maxRestarts, history: recent };
}
