/**
 * `runningCopyAction`: what a node does with a copy it runs while the record names another owner or
 * none — adopt it, keep it for the owner's release, or merge it away.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runningCopyAction, type RunningCopyInput } from '../../packages/runtime/src/placement/adopt.ts';

const base: RunningCopyInput = {
  ap: true,
  self: 'b',
  desired: 'b',
  owner: 'a',
  ownerLive: true,
  ownerGone: false,
  leaving: false,
  waitedMs: 0,
  maxWaitMs: 3000,
};

test('the wanted node adopts a released record, or one whose owner is gone, for its running copy', () => {
  assert.equal(runningCopyAction({ ...base, owner: '', ownerLive: false, ownerGone: true }), 'adopt');
  assert.equal(runningCopyAction({ ...base, ownerLive: false, ownerGone: true }), 'adopt');
});

test('the wanted node keeps its copy while a live owner should hand the child over, for a bounded time', () => {
  assert.equal(runningCopyAction(base), 'wait');
  assert.equal(runningCopyAction({ ...base, waitedMs: 2999 }), 'wait');
  assert.equal(runningCopyAction({ ...base, waitedMs: 3000 }), 'merge-away');
  // Not yet known to be gone (held after our own pause): wait for the owner too.
  assert.equal(runningCopyAction({ ...base, ownerLive: false }), 'wait');
});

test('a copy on a node the strategy does not want merges away', () => {
  assert.equal(runningCopyAction({ ...base, desired: 'a' }), 'merge-away');
  assert.equal(runningCopyAction({ ...base, owner: '', desired: 'c' }), 'merge-away');
  assert.equal(runningCopyAction({ ...base, desired: undefined }), 'merge-away');
});

test('a leaving node and CP mode (fenced copies) never adopt or wait', () => {
  assert.equal(runningCopyAction({ ...base, leaving: true, owner: '' }), 'merge-away');
  assert.equal(runningCopyAction({ ...base, ap: false, owner: '' }), 'merge-away');
  assert.equal(runningCopyAction({ ...base, ap: false }), 'merge-away');
});
