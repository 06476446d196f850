/**
 * A single read/write/compare-and-set register as a sequential model (the Jepsen/Knossos
 * "cas-register" workload).
 *
 * ```ts
 * const history: Operation<RegisterInput, RegisterOutput>[] = [
 *   { clientId: 0, input: { op: 'write', value: 1 }, call: 0, return: 5, output: { ok: true } },
 *   { clientId: 1, input: { op: 'cas', expected: 1, value: 2 }, call: 6, return: 9, output: { ok: true } },
 *   { clientId: 0, input: { op: 'read' }, call: 10, return: 12, output: { ok: true, value: 2 } },
 * ];
 * checkOperations(registerModel, history); // { result: 'ok' }
 * ```
 *
 * The register starts as `null`. `read` returns the value; `write` sets it; `cas` sets `value` when
 * the current value equals `expected` and answers `ok: false` otherwise. A write or cas answering
 * `ok: false` did not happen. Unknown outcome: a read has no effect, a write or cas applies as if it
 * happened at that point.
 *
 * When not to use it: several independent registers (use {@link kvModel}, which partitions by key and
 * is far faster).
 */
import type { Model } from './types.ts';

export type RegisterValue = string | number | null;

export type RegisterInput =
  | { op: 'read' }
  | { op: 'write'; value: RegisterValue }
  | { op: 'cas'; expected: RegisterValue; value: RegisterValue };

export interface RegisterOutput {
  ok: boolean;
  /** For `read`: the value read. */
  value?: RegisterValue;
}

export const registerModel: Model<RegisterValue, RegisterInput, RegisterOutput> = {
  init: () => null,
  step(state, input, output) {
    switch (input.op) {
      case 'read':
        return { ok: output === undefined || (output.value ?? null) === state, state };
      case 'write':
        if (output !== undefined && !output.ok) return { ok: true, state };
        return { ok: true, state: input.value };
      case 'cas': {
        const matches = state === input.expected;
        if (output === undefined) return { ok: true, state: matches ? input.value : state };
        return { ok: output.ok === matches, state: matches && output.ok ? input.value : state };
      }
    }
  },
  // Numbers and strings must not collide: 1 and '1' are different values.
  key: (state) => JSON.stringify(state),
  readOnly: (input, output) => input.op === 'read' || (output !== undefined && !output.ok),
};
