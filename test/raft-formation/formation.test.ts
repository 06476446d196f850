/**
 * Formation decisions (`decideFormation`): one Raft group whatever the discovery, never a group of
 * one unless told, a reason whenever a node cannot found. The property test runs many random
 * schedules of partial views and proves no two different founder sets are ever bootstrapped.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { decideFormation, rememberCandidates } from '../../packages/runtime/src/raft/formation/formation.ts';
import type { FormationInput, FormationReport } from '../../packages/runtime/src/raft/formation/formation.ts';

const A = 'a@10.0.0.1:4370';
const B = 'b@10.0.0.2:4370';
const C = 'c@10.0.0.3:4370';
const D = 'd@10.0.0.4:4370';

function report(name: string, over: Partial<FormationReport> = {}): FormationReport {
  return {
    name,
    expect: 3,
    founder: true,
    seen: [],
    voters: [],
    learners: [],
    hasState: false,
    leader: null,
    ...over,
  };
}

function input(over: Partial<FormationInput> = {}): FormationInput {
  const base = {
    self: A,
    expect: 3 as number | null,
    founder: true,
    named: [] as string[],
    hasState: false,
    peers: [] as FormationReport[],
    ...over,
  };
  return { ...base, seen: over.seen ?? rememberCandidates([], base) };
}

test('a member with raft state is formed and ignores everything else', () => {
  assert.equal(decideFormation(input({ hasState: true, peers: [report(B, { expect: 5 })] })).kind, 'formed');
});

test('a node that sees a peer with raft state joins that group instead of founding one', () => {
  const d = decideFormation(
    input({ peers: [report(B, { hasState: true, voters: [B, C, D], leader: B }), report(C), report(D)] }),
  );
  assert.equal(d.kind, 'join');
  assert.match(d.kind === 'join' ? d.reason : '', /led by b/);
});

test('with --expect 3, a node waits until it has seen three candidates, and says how many it has', () => {
  const d = decideFormation(input({ peers: [report(B)] }));
  assert.equal(d.kind, 'wait');
  assert.match(
    d.kind === 'wait' ? d.reason : '',
    /waiting for 3 nodes started with --expect 3: 2 seen \(a, b\)/,
  );
});

test('three candidates found only once each reports having seen the same three', () => {
  const seen = [A, B, C];
  const early = decideFormation(input({ peers: [report(B, { seen }), report(C, { seen: [B, C] })] }));
  assert.equal(early.kind, 'wait');
  assert.match(early.kind === 'wait' ? early.reason : '', /waiting for c to see the same 3/);
  const agreed = decideFormation(input({ peers: [report(B, { seen }), report(C, { seen })] }));
  assert.deepEqual(agreed.kind === 'bootstrap' ? agreed.voters : null, seen);
});

test('peers with another --expect, or without one, are not counted; a different --expect is refused', () => {
  const other = decideFormation(input({ peers: [report(B, { expect: 5 }), report(C)] }));
  assert.equal(other.kind, 'refuse');
  assert.match(other.kind === 'refuse' ? other.reason : '', /b was started with --expect 5/);
  const none = input({ peers: [report(B, { expect: null }), report(C)] });
  assert.deepEqual(none.seen, [A, C]);
});

test('more candidates than --expect with no group is refused with a reason, never guessed at', () => {
  const d = decideFormation(input({ peers: [report(B), report(C), report(D)] }));
  assert.equal(d.kind, 'refuse');
  assert.match(d.kind === 'refuse' ? d.reason : '', /4 nodes \(a, b, c, d\) were started with --expect 3/);
});

test('a dispatch node never founds; it waits for a group', () => {
  const d = decideFormation(input({ founder: false, peers: [report(B), report(C)] }));
  assert.equal(d.kind, 'wait');
});

test('without --expect or named seeds a node cannot know its founders and waits, saying why', () => {
  const d = decideFormation(input({ expect: null, peers: [report(B, { expect: null })] }));
  assert.equal(d.kind, 'wait');
  assert.match(
    d.kind === 'wait' ? d.reason : '',
    /founders are unknown: start the first nodes with --expect N/,
  );
});

test('--expect 1 founds a group of one at once; named seeds found with the names', () => {
  const one = decideFormation(input({ expect: 1 }));
  assert.deepEqual(one.kind === 'bootstrap' ? one.voters : null, [A]);
  const named = decideFormation(input({ expect: null, named: [C, A, B] }));
  assert.deepEqual(named.kind === 'bootstrap' ? named.voters : null, [A, B, C]);
});

/**
 * Random schedules: five candidates with --expect 3 see each other's reports in random order and
 * at random times (partial views, stale reports); a node that bootstraps then reports state. No
 * two different founder sets may be bootstrapped.
 */
test('property: no schedule of partial views bootstraps two different founder sets', () => {
  const nodes = ['a', 'b', 'c', 'd', 'e'].map((n, i) => `${n}@10.0.0.${i + 1}:4370`);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(4), fc.nat(4), fc.boolean()), { minLength: 1, maxLength: 80 }),
      fc.integer({ min: 2, max: 5 }),
      (steps, count) => {
        const members = nodes.slice(0, count);
        const seen = new Map(members.map((n) => [n, [] as string[]]));
        const founded = new Map<string, string>();
        const views = new Map(members.map((n) => [n, new Map<string, FormationReport>()]));
        const reportOf = (n: string): FormationReport =>
          report(n, {
            seen: seen.get(n) ?? [],
            hasState: founded.has(n),
            voters: founded.has(n) ? (founded.get(n) ?? '').split(',') : [],
          });
        for (const [fromI, toI, decide] of steps) {
          const from = members[fromI % count] as string;
          const to = members[toI % count] as string;
          if (from !== to) views.get(to)?.set(from, reportOf(from)); // a report delivered (maybe stale later)
          if (!decide || founded.has(to)) continue;
          const base = {
            self: to,
            expect: 3,
            founder: true,
            named: [],
            hasState: false,
            peers: [...(views.get(to)?.values() ?? [])],
          };
          seen.set(to, rememberCandidates(seen.get(to) ?? [], base));
          const d = decideFormation({ ...base, seen: seen.get(to) ?? [] });
          if (d.kind === 'bootstrap') founded.set(to, d.voters.join(','));
        }
        const sets = new Set(founded.values());
        assert.ok(sets.size <= 1, `two founder sets: ${[...sets].join(' | ')}`);
      },
    ),
    { numRuns: 500 },
  );
});
