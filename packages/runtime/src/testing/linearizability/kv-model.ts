/**
 * A key-value map of strings as a sequential model, partitioned by key.
 *
 * ```ts
 * const history: Operation<KvInput, KvOutput>[] = [
 *   { clientId: 0, input: { op: 'put', key: 'x', value: '1' }, call: 0, return: 10, output: { ok: true } },
 *   { clientId: 1, input: { op: 'get', key: 'x' }, call: 20, return: 30, output: { ok: true, value: '1' } },
 * ];
 * checkOperations(kvModel, history); // { result: 'ok' }
 * ```
 *
 * Semantics (per key; the state of one partition is that key's value, `null` when absent):
 * - `get`: returns the current value in `value` (`null` = absent; a missing `value` means `null`).
 * - `put`: sets `value`. `delete`: makes the key absent.
 * - `cas`: when the current value equals `expected` (`null` = "must be absent") it sets `value` and
 *   answers `ok: true`; otherwise it changes nothing and answers `ok: false`, with the current value
 *   in `value` when the system reports it. A cas expecting a value on an absent key fails.
 * - A put, delete or cas answering `ok: false` is taken as not applied; a put or delete that failed
 *   this way could as well be left out of the history.
 * - Unknown outcome (`output === undefined`): a get has no effect; a write applies as if it happened.
 *
 * When not to use it: operations touching several keys at once (see the table model).
 */
import type { Model, Operation } from './types.ts';

/** The value of one key; `null` when absent. */
export type KvState = string | null;

export interface KvInput {
  op: 'get' | 'put' | 'cas' | 'delete';
  key: string;
  /** The value to write, for `put` and `cas`. */
  value?: string;
  /** For `cas`: the value that must be current; `null` means the key must be absent. */
  expected?: string | null;
}

export interface KvOutput {
  ok: boolean;
  /** For `get`: the value read (`null` = absent). For a failed `cas`: the current value, if known. */
  value?: string | null;
}

export const kvModel: Model<KvState, KvInput, KvOutput> = {
  init: () => null,
  step: stepKv,
  partition: partitionByKey,
  key: (state) => (state === null ? '-' : `=${state}`),
  // A get never writes; a write answering ok: false did not happen (see above).
  readOnly: (input, output) => input.op === 'get' || (output !== undefined && !output.ok),
};

function stepKv(
  state: KvState,
  input: KvInput,
  output: KvOutput | undefined,
): { ok: boolean; state: KvState } {
  switch (input.op) {
    case 'get':
      return { ok: output === undefined || (output.value ?? null) === state, state };
    case 'put':
      if (output !== undefined && !output.ok) return { ok: true, state };
      return { ok: true, state: input.value ?? null };
    case 'delete':
      if (output !== undefined && !output.ok) return { ok: true, state };
      return { ok: true, state: null };
    case 'cas': {
      const matches = state === (input.expected ?? null);
      if (output === undefined) return { ok: true, state: matches ? (input.value ?? null) : state };
      if (output.ok) return { ok: matches, state: matches ? (input.value ?? null) : state };
      const reported = output.value === undefined || output.value === state;
      return { ok: !matches && reported, state };
    }
  }
}

/** Groups operations by key, in order of each key's first appearance. */
export function partitionByKey<I extends { key: string }, O>(
  history: Operation<I, O>[],
): Operation<I, O>[][] {
  const byKey = new Map<string, Operation<I, O>[]>();
  for (const op of history) {
    const part = byKey.get(op.input.key);
    if (part === undefined) byKey.set(op.input.key, [op]);
    else part.push(op);
  }
  return [...byKey.values()];
}
