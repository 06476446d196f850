/**
 * The linearizability checker: is there an order of the recorded operations, consistent with their
 * real-time order, in which the sequential model produces every recorded output?
 *
 * ```ts
 * import { checkOperations, kvModel } from './index.ts';
 *
 * const verdict = checkOperations(kvModel, history, { timeoutMs: 10_000 });
 * assert.deepEqual(verdict, { result: 'ok' });
 * ```
 *
 * API:
 * - `checkOperations(model, history, { timeoutMs })` → `ok` | `illegal` (with the failing partition
 *   and the longest partial linearization) | `unknown` (time budget spent).
 * - `checkOperationsDetailed(...)` → the same verdict plus, per partition, the witness order or the
 *   longest partial linearization found, for debugging a failure.
 *
 * The history is split with `model.partition` (P-compositionality: for a map whose operations each
 * touch one key, checking each key apart is equivalent and much faster). Partitions are checked one
 * after the other in their given order; the first illegal one ends the check.
 *
 * An operation whose `output` is `undefined` has an unknown outcome: its `return` is treated as +∞
 * whatever was recorded, because the request may still take effect after the client gave up.
 *
 * When not to use it: transactions over many keys with no way to partition make the search
 * exponential in concurrency; use a white-box revision check or a cycle-based checker there. It runs
 * synchronously on the calling thread.
 */
import { InvalidHistoryError } from './errors.ts';
import { searchPartition } from './search.ts';
import type { CheckOptions, CheckResult, Model, Operation } from './types.ts';

/** Per-partition detail: the witness linearization, or the longest partial one (operations). */
export interface PartitionReport<I, O> {
  operations: Operation<I, O>[];
  result: 'ok' | 'illegal' | 'timeout' | 'unchecked';
  /** For `ok`: a witness order. Otherwise: the longest partial linearization found. */
  linearization: Operation<I, O>[];
}

export interface DetailedCheckResult<I, O> {
  verdict: CheckResult;
  partitions: PartitionReport<I, O>[];
}

export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: Operation<I, O>[],
  opts?: CheckOptions,
): CheckResult {
  return checkOperationsDetailed(model, history, opts).verdict;
}

export function checkOperationsDetailed<S, I, O>(
  model: Model<S, I, O>,
  history: Operation<I, O>[],
  opts?: CheckOptions,
): DetailedCheckResult<I, O> {
  const timeoutMs = opts?.timeoutMs ?? Number.POSITIVE_INFINITY;
  if (Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`timeoutMs must be a non-negative number of milliseconds, got ${timeoutMs}`);
  }
  const now = (): number => performance.now();
  const deadline = now() + timeoutMs;
  const normalized = history.map(normalize);
  const parts = model.partition === undefined ? [normalized] : model.partition(normalized);

  const partitions: PartitionReport<I, O>[] = parts.map((operations) => ({
    operations,
    result: 'unchecked',
    linearization: [],
  }));
  for (let p = 0; p < parts.length; p++) {
    const report = partitions[p] as PartitionReport<I, O>;
    const ops = report.operations;
    const searched = model.canonicalize === undefined ? ops : model.canonicalize(ops);
    const verdict = searchPartition(model, searched, deadline, now);
    report.result = verdict.result;
    if (verdict.result === 'ok') {
      report.linearization = verdict.linearization.map((i) => ops[i] as Operation<I, O>);
      continue;
    }
    if (verdict.result === 'timeout') {
      return { verdict: { result: 'unknown', reason: 'timeout' }, partitions };
    }
    report.linearization = verdict.longest.map((i) => ops[i] as Operation<I, O>);
    return { verdict: { result: 'illegal', partition: p, longestPrefix: verdict.longestPrefix }, partitions };
  }
  return { verdict: { result: 'ok' }, partitions };
}

function normalize<I, O>(op: Operation<I, O>, index: number): Operation<I, O> {
  if (!Number.isFinite(op.call)) {
    throw new InvalidHistoryError(`operation ${index}: call time must be finite, got ${op.call}`);
  }
  if (op.output === undefined) {
    return op.return === Number.POSITIVE_INFINITY ? op : { ...op, return: Number.POSITIVE_INFINITY };
  }
  if (Number.isNaN(op.return) || op.return < op.call) {
    throw new InvalidHistoryError(`operation ${index}: return ${op.return} is before its call ${op.call}`);
  }
  return op;
}
