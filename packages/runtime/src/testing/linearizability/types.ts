/**
 * Types shared by the linearizability checker and its models.
 *
 * A history is a list of {@link Operation}s recorded by clients: when each call started, when it
 * returned and what it returned. A {@link Model} is the sequential specification the history is
 * checked against. Example of one recorded operation on a key-value store:
 *
 * ```ts
 * const op: Operation<KvInput, KvOutput> = {
 *   clientId: 3,
 *   input: { op: 'get', key: 'x' },
 *   call: 120,
 *   return: 180,
 *   output: { ok: true, value: '7' },
 * };
 * ```
 *
 * Timestamps must come from one monotonic clock in the process that issues the requests; take
 * `call` strictly before sending and `return` strictly after receiving the reply. Intervals are
 * closed: an operation returning at t = 20 is concurrent with one called at t = 20.
 */

/**
 * One client operation as it was observed.
 *
 * - `clientId`: the client (stream) that issued it. After an operation with an unknown outcome a
 *   client should continue under a new id, since its old request may still be in flight.
 * - `call`, `return`: timestamps in any unit, from one monotonic clock.
 * - `output`: what the system answered, or `undefined` when the outcome is unknown (timeout,
 *   connection reset, crash). Then `return` is `Number.POSITIVE_INFINITY`: the operation may take
 *   effect at any point after its call, or never.
 */
export interface Operation<I, O> {
  clientId: number;
  input: I;
  call: number;
  return: number;
  output: O | undefined;
}

/**
 * A sequential specification.
 *
 * Obligations of an implementation:
 * - `step` is pure: it must not mutate `state`, and gives the same answer for the same arguments.
 *   It returns `ok: false` when `output` is impossible for `input` in `state`.
 * - With `output === undefined` (unknown outcome) `step` must accept every state it can be called in
 *   and apply the operation's effect as if it happened at that point.
 * - `key` is canonical: two states that behave the same must give the same string, and different
 *   states different strings. The search memoises on it.
 * - `partition`, when present, splits a history into parts such that the whole is linearizable if
 *   and only if every part is (for example one part per key of a map).
 * - `readOnly`, when present, returns true only for an operation whose `step` leaves every state it
 *   accepts unchanged (a read, a failed compare-and-set). The search then linearizes it eagerly, a
 *   large speed-up on read-heavy histories. Returning true for anything else makes verdicts wrong;
 *   leave it out when unsure.
 * - `canonicalize`, when present, rewrites one partition before the search: it returns the same
 *   operations in the same order and may change them only so that the rewritten partition has
 *   exactly the linearizations of the original: values that no step can tell apart collapsed onto
 *   one, or an operation of unknown outcome given the outcome and the latest return that every
 *   linearization already forces on it. The key-value model does both (see kv-model.ts).
 */
export interface Model<S, I, O> {
  init(): S;
  step(state: S, input: I, output: O | undefined): { ok: boolean; state: S };
  partition?(history: Operation<I, O>[]): Operation<I, O>[][];
  key(state: S): string;
  readOnly?(input: I, output: O | undefined): boolean;
  canonicalize?(ops: Operation<I, O>[]): Operation<I, O>[];
}

/**
 * The verdict of a check.
 *
 * - `ok`: every partition has a linearization.
 * - `illegal`: partition number `partition` (index into the model's partition list, 0 when the model
 *   does not partition) has none; `longestPrefix` is the length of the longest partial
 *   linearization the search found there, a hint for where it goes wrong.
 * - `unknown`: the time budget ran out before an answer. This proves nothing either way.
 */
export type CheckResult =
  | { result: 'ok' }
  | { result: 'illegal'; partition: number; longestPrefix: number }
  | { result: 'unknown'; reason: 'timeout' };

/** Options of a check. */
export interface CheckOptions {
  /**
   * Wall-clock budget for the whole check, in milliseconds. Default: no limit, because an `unknown`
   * verdict proves nothing and should only come back when the caller asked for a bound.
   */
  timeoutMs?: number;
}
