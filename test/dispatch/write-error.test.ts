// Which failures of a hero write leave its outcome unknown (504 outcome_unknown) and which wrote
// nothing. Regression (raft nemesis, CI run): an assign whose actor committed and then exited
// before answering, handed off to another node, was answered 503 and read back as applied.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CalleeExitError, CallTimeoutError, NoProcError } from '../../packages/runtime/src/actor/errors.ts';
import { toWriteError } from '../../src/dispatch/write-error.ts';

test('an actor that exited after the request reached it leaves the outcome unknown', () => {
  assert.equal(toWriteError(new CalleeExitError('hero', 'shutdown')).code, 'outcome_unknown');
  assert.equal(toWriteError(new CallTimeoutError('hero', 5000)).code, 'outcome_unknown');
});

test('a request that found no actor wrote nothing', () => {
  assert.equal(toWriteError(new NoProcError('hero')).code, 'unavailable');
});
