/**
 * Linearizability checking for client histories (Wing & Gong search with Lowe's memoisation, split
 * by P-compositionality, as in Porcupine), with ready-made models for a key-value map, a register
 * and the Raft table machine's transactions.
 *
 * ```ts
 * import { checkOperations, kvModel } from './index.ts';
 * const verdict = checkOperations(kvModel, history, { timeoutMs: 10_000 });
 * ```
 *
 * See `check.ts` for the verdicts, `types.ts` for the history format and the model obligations.
 */
export type { CheckOptions, CheckResult, Model, Operation } from './types.ts';
export { checkOperations, checkOperationsDetailed } from './check.ts';
export type { DetailedCheckResult, PartitionReport } from './check.ts';
export { InvalidHistoryError } from './errors.ts';
export { kvModel, partitionByKey } from './kv-model.ts';
export type { KvInput, KvOutput, KvState } from './kv-model.ts';
export { registerModel } from './register-model.ts';
export type { RegisterInput, RegisterOutput, RegisterValue } from './register-model.ts';
export { tableModel, partitionByRecords } from './table-model.ts';
export type {
  TableModelCondition,
  TableModelInput,
  TableModelOp,
  TableModelOutput,
  TableModelState,
  TableReadOutput,
  TableTxnOutput,
} from './table-model.ts';
export { canonicalValue } from './canonical.ts';
