import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResumeHold } from '../../packages/runtime/src/placement/resume-hold.ts';

test('a peer that goes down right after our own pause is held until the hold ends', () => {
  const hold = new ResumeHold({ stallMs: 500, holdMs: 2000 });
  assert.equal(hold.beat(0), false);
  assert.equal(hold.beat(100), false);
  assert.equal(hold.beat(15_100), true, 'a 15-s gap between beats is a pause');
  hold.peerDown('a', 15_100);
  assert.equal(hold.held('a', 15_200), true);
  assert.equal(hold.held('a', 17_099), true);
  assert.equal(hold.held('a', 17_100), false, 'still down when the hold ends: gone');
});

test('a peer that comes back is no longer held; one that went down before the pause never was', () => {
  const hold = new ResumeHold({ stallMs: 500, holdMs: 2000 });
  hold.beat(0);
  hold.peerDown('early', 50);
  hold.beat(5000);
  hold.peerDown('b', 5000);
  assert.equal(hold.held('early', 5001), false);
  hold.peerUp('b');
  assert.equal(hold.held('b', 5001), false);
});

test('without a pause nobody is held', () => {
  const hold = new ResumeHold();
  for (let t = 0; t <= 1000; t += 100) assert.equal(hold.beat(t), false);
  hold.peerDown('a', 1000);
  assert.equal(hold.held('a', 1001), false);
  assert.equal(hold.until(), undefined);
});
