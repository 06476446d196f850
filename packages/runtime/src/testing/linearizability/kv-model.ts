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
 * - Before the search (`canonicalize`), a write of unknown outcome whose value some operation of
 *   known outcome read, expected or reported, and that no other operation writes, is known to have
 *   happened, before the first such operation returned: it gets that outcome and return. Then every
 *   value that no operation of known outcome reads, expects or reports is replaced by one stand-in
 *   (details below), and the writes of unknown outcome left become interchangeable. Both keep the
 *   search short when many writes have an unknown outcome (a node killed under load), also when
 *   the history is not linearizable and every possible past must be ruled out.
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
  canonicalize: (ops) => unseenAsOne(seenHappened(ops)),
};

type KvOp = Operation<KvInput, KvOutput>;

/**
 * A write of unknown outcome is the only writer of its value and an operation of known outcome saw
 * that value (read it, expected it in a successful cas, or had it reported by a failed cas): the
 * write happened, and before that operation returned. Every linearization already says so; writing
 * it into the history spares the search the pasts in which it did not happen. Repeated until
 * nothing changes, since a cas known to have happened saw the value it expected.
 */
function seenHappened(ops: KvOp[]): KvOp[] {
  const writers = new Map<string, number>();
  for (const { input } of ops) {
    if (input.value !== undefined) writers.set(input.value, (writers.get(input.value) ?? 0) + 1);
  }
  let current = ops;
  for (;;) {
    const seenBy = new Map<string, number>(); // value → earliest return of a known operation seeing it
    const see = (value: string | null | undefined, at: number): void => {
      if (typeof value === 'string') seenBy.set(value, Math.min(at, seenBy.get(value) ?? Infinity));
    };
    for (const { input, output, return: ret } of current) {
      if (output === undefined) continue;
      if (input.op === 'get' || (input.op === 'cas' && !output.ok)) see(output.value, ret);
      if (input.op === 'cas' && output.ok) see(input.expected, ret);
    }
    let changed = false;
    const next = current.map((op) => {
      const value = op.input.value;
      if (op.output !== undefined || value === undefined || writers.get(value) !== 1) return op;
      const by = seenBy.get(value);
      if (by === undefined || by < op.call) return op;
      changed = true;
      return { ...op, output: { ok: true }, return: by };
    });
    if (!changed) return current;
    current = next;
  }
}

/**
 * Gives every value that no operation of known outcome reads, expects or reports one stand-in, a
 * string that is no value of the partition, unless a cas of unknown outcome expects it and writes a
 * value that stays. States holding such values differ in no known operation's answer, and the only
 * operations telling them apart are cas operations of unknown outcome that turn one such value
 * into another, which no known operation can notice either; so the rewritten partition is
 * linearizable exactly when the original is. The writes of unknown outcome left become
 * interchangeable.
 */
function unseenAsOne(ops: KvOp[]): KvOp[] {
  const keep = new Set<string>();
  const all = new Set<string>();
  for (const { input, output } of ops) {
    if (input.value !== undefined) all.add(input.value);
    if (typeof input.expected === 'string') all.add(input.expected);
    if (output === undefined) continue;
    // A failed cas that reports the current value needs only that value to differ from the one
    // it expected: what it expected tells nothing more.
    const reported = input.op === 'cas' && !output.ok && output.value !== undefined;
    if (typeof input.expected === 'string' && !reported) keep.add(input.expected);
    if (typeof output.value === 'string') keep.add(output.value);
  }
  for (const { input, output } of ops) {
    const writesKept = input.value !== undefined && keep.has(input.value);
    if (output === undefined && input.op === 'cas' && writesKept && typeof input.expected === 'string')
      keep.add(input.expected);
  }
  let standIn = '\u0000unseen';
  while (all.has(standIn)) standIn += '\u0000';
  const stand = <T extends string | null | undefined>(v: T): T | string =>
    typeof v === 'string' && !keep.has(v) ? standIn : v;
  return ops.map((op) => {
    const value = stand(op.input.value);
    const expected = stand(op.input.expected);
    if (value === op.input.value && expected === op.input.expected) return op;
    return {
      ...op,
      input: {
        ...op.input,
        ...(value === undefined ? {} : { value }),
        ...(expected === undefined ? {} : { expected }),
      },
    };
  });
}

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
