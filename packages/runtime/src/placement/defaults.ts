/**
 * The distributed supervisor's timing defaults, in one place: the supervisor applies them where its
 * options leave a value out, and the placement simulation (`testing/placement-sim/`) runs with
 * the same ones, so the two cannot drift apart. Each option's meaning and reason are documented on
 * `DistributedSupervisorOptions`.
 */
export const PLACEMENT_DEFAULTS = {
  /** `reconcileIntervalMs`: the retry tick, ms. */
  reconcileIntervalMs: 1000,
  /** `fullSweepIntervalMs`: the full sweep of every key, ms. */
  fullSweepIntervalMs: 15_000,
  /** `unknownOwnerGraceMs`: how long an owner never seen is waited for after start, ms. */
  unknownOwnerGraceMs: 3000,
  /** `quorumLossStopMs`: how long unwritable before this node stops its children, ms. */
  quorumLossStopMs: 1500,
  /** `adoptWaitMs`: the longest an AP copy waits for a live owner's release, ms. */
  adoptWaitMs: 3000,
  /** How often writability is checked, ms (not an option). */
  quorumCheckMs: 100,
} as const;
