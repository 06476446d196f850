/**
 * Autopilot decisions (`decideAutopilot`): newcomers become learners, caught-up city learners are
 * promoted up to the target (3, or 5 with five or more cities), a member down longer than the
 * grace is removed — never dropping below a majority of the current configuration — one change
 * at a time.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { decideAutopilot, targetVoters } from '../../packages/runtime/src/raft/formation/autopilot.ts';
import type { AutopilotInput } from '../../packages/runtime/src/raft/formation/autopilot.ts';

const [A, B, C, D, E, F] = ['a', 'b', 'c', 'd', 'e', 'f'].map((n, i) => `${n}@10.0.0.${i + 1}:4370`) as [
  string,
  string,
  string,
  string,
  string,
  string,
];

function input(over: Partial<AutopilotInput> = {}): AutopilotInput {
  return {
    self: A,
    voters: [A, B, C],
    learners: [],
    match: { [A]: 100, [B]: 100, [C]: 100 },
    lastIndex: 100,
    live: [B, C],
    cities: [A, B, C],
    downSince: {},
    now: 100_000,
    graceMs: 30_000,
    ...over,
  };
}

test('the target is 3 voters, or 5 with five or more cities', () => {
  assert.deepEqual([1, 3, 4, 5, 9].map(targetVoters), [3, 3, 3, 5, 5]);
});

test('a connected node that is not a member is added as a learner', () => {
  assert.deepEqual(decideAutopilot(input({ live: [B, C, D] })), {
    kind: 'add-learner',
    node: D,
    reason: 'connected, not yet a member',
  });
});

test('below the target, the caught-up learner city is promoted; a lagging one is not', () => {
  const base = { voters: [A, B], learners: [C], live: [B, C], cities: [A, B, C] };
  assert.equal(decideAutopilot(input({ ...base, match: { [C]: 99 } })).kind, 'promote');
  assert.equal(decideAutopilot(input({ ...base, match: { [C]: 0 }, lastIndex: 5000 })).kind, 'none');
  assert.equal(decideAutopilot(input({ ...base, cities: [A, B], match: { [C]: 100 } })).kind, 'none');
});

test('at the target nothing changes; with five cities learners are promoted up to five', () => {
  const learners = { learners: [D, E], live: [B, C, D, E], match: { [D]: 100, [E]: 100 } };
  assert.equal(decideAutopilot(input({ ...learners, cities: [A, B, C, D] })).kind, 'none');
  const five = decideAutopilot(input({ ...learners, cities: [A, B, C, D, E] }));
  assert.deepEqual(five.kind === 'promote' ? five.node : null, D);
});

test('a voter down longer than the grace is removed; within the grace it stays', () => {
  const down = { live: [B], downSince: { [C]: 100_000 - 31_000 } };
  assert.deepEqual(decideAutopilot(input(down)).kind === 'remove' ? C : null, C);
  assert.equal(decideAutopilot(input({ live: [B], downSince: { [C]: 100_000 - 10_000 } })).kind, 'none');
});

test('never below a majority: a leader that reaches only a minority removes nobody', () => {
  const five = {
    voters: [A, B, C, D, E],
    live: [B],
    downSince: { [C]: 0, [D]: 0, [E]: 0 },
  };
  assert.equal(decideAutopilot(input(five)).kind, 'none');
  // With three of five reachable, the dead ones go one at a time.
  const three = decideAutopilot(input({ ...five, live: [B, C], downSince: { [D]: 0, [E]: 0 } }));
  assert.deepEqual(three.kind === 'remove' ? three.node : null, D);
});

test('the leader never removes itself, and a dead learner is removed too', () => {
  assert.equal(decideAutopilot(input({ downSince: { [A]: 0 } })).kind, 'none');
  const l = decideAutopilot(input({ learners: [F], downSince: { [F]: 0 } }));
  assert.deepEqual(l.kind === 'remove' ? l.node : null, F);
});

test('a replacement: the dead voter is removed first, then the learner promoted', () => {
  const before = input({
    learners: [D],
    live: [B, D],
    cities: [A, B, C, D],
    downSince: { [C]: 0 },
    match: { [D]: 100 },
  });
  assert.deepEqual(decideAutopilot(before), {
    kind: 'remove',
    node: C,
    reason: 'voter unreachable for more than 30 s',
  });
  const after = decideAutopilot({ ...before, voters: [A, B], downSince: {} });
  assert.deepEqual(after.kind === 'promote' ? after.node : null, D);
});
