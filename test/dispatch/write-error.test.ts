// Which failures of a hero write leave its outcome unknown (504 outcome_unknown) and which wrote
// nothing. Regression (raft nemesis, CI run): an assign whose actor committed and then exited
// before answering, handed off to another node, was answered 503 and read back as applied.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CalleeExitError, CallTimeoutError, NoProcError } from '../../packages/runtime/src/actor/errors.ts';
import { RemoteError, toWireReason } from '../../packages/runtime/src/actor/remote.ts';
import { toWriteError } from '../../src/dispatch/write-error.ts';
import { DispatchError, toDispatchError } from '../../src/dispatch/service.ts';

test('an actor that exited after the request reached it leaves the outcome unknown', () => {
  assert.equal(toWriteError(new CalleeExitError('hero', 'shutdown')).code, 'outcome_unknown');
  assert.equal(toWriteError(new CallTimeoutError('hero', 5000)).code, 'outcome_unknown');
});

test('a request that found no actor wrote nothing', () => {
  assert.equal(toWriteError(new NoProcError('hero')).code, 'unavailable');
});

// Regression (raft nemesis, CI run): an actor on another node whose fenced write timed out answered
// `outcome_unknown`; it crossed the wire as a RemoteError and the caller's node reported it as 503
// `unavailable` ("nothing written"), yet the write had applied.
test("a hero actor's own error from another node keeps its code", () => {
  const overTheWire = (err: Error): RemoteError => new RemoteError(toWireReason(err) as { code: string });
  for (const code of ['outcome_unknown', 'dead_hero', 'no_quorum', 'unavailable', 'timeout'] as const) {
    const remote = overTheWire(new DispatchError(code, `the actor said ${code}`));
    assert.equal(toWriteError(remote).code, code, `toWriteError ${code}`);
    assert.equal(toDispatchError(remote).code, code, `toDispatchError ${code}`);
    assert.equal(toWriteError(remote).message, `the actor said ${code}`);
  }
});

test('a remote error of another kind is not taken for a dispatch answer', () => {
  const stranger = new RemoteError({ error: 'LedgerError', code: 'dead_hero', message: 'not ours' });
  assert.equal(toDispatchError(stranger).code, 'unavailable');
  const unknownCode = new RemoteError({ error: 'DispatchError', code: 'teapot', message: 'no such code' });
  assert.equal(toDispatchError(unknownCode).code, 'unavailable');
});
