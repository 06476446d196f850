/**
 * The one mapping from a failed write (a create, assign or terminate) to the error the API reports,
 * deciding between "nothing was written" and "the outcome is unknown".
 *
 * ```ts
 * try { await heroes.create(record); } catch (err) { throw toWriteError(err); }
 * ```
 *
 * Unknown (`outcome_unknown`, 504): a store write that may still apply (`mayHaveApplied`), a call to
 * the hero's actor that timed out or lost its connection after it was sent (the actor may be
 * committing). The actor's own answer keeps its code, also when the actor runs on another node
 * (a remote `DispatchError`, `remoteDispatchError`): an actor whose store write timed out answers
 * `outcome_unknown` from wherever it runs. Everything else is a definite failure that left no
 * trace: `toDispatchError`'s codes.
 */
import { StoreError } from '@superhero-dispatch/runtime/store';
import { CodedError } from '@superhero-dispatch/runtime';
import { mayHaveApplied } from './hero-store.ts';
import { DispatchError, remoteDispatchError, toDispatchError } from './service.ts';

export function toWriteError(err: unknown): DispatchError {
  if (err instanceof DispatchError) return err;
  // The hero's actor on another node decided (its `outcome_unknown` included): its code stands.
  const remote = remoteDispatchError(err);
  if (remote) return remote;
  if (err instanceof StoreError) {
    if (err.code !== 'conflict' && mayHaveApplied(err))
      return new DispatchError(
        'outcome_unknown',
        `the write may or may not have taken effect (${err.message}); retry with the same Idempotency-Key`,
        { cause: err },
      );
    return toDispatchError(err);
  }
  const code = err instanceof CodedError ? err.code : undefined;
  if (code === 'timeout' || code === 'noconnection')
    return new DispatchError(
      'outcome_unknown',
      `the hero's actor did not answer in time (${(err as Error).message}); the change may or may not have taken effect`,
      { cause: err },
    );
  // The actor got the request and exited before its answer (handed off to another node, say): it
  // may have committed the change first.
  if (code === 'exit')
    return new DispatchError(
      'outcome_unknown',
      `the hero's actor stopped before answering (${(err as Error).message}); the change may or may not have taken effect`,
      { cause: err },
    );
  return toDispatchError(err);
}
