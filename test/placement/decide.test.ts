// The placement decision as a pure function: one case per branch, and properties over every input
// — nothing is started or claimed but by the node the strategy wants, nothing runs unfenced in CP
// mode, a leaving node takes nothing, and a node never writes while its store takes no writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Pid } from '../../packages/runtime/src/actor/pid.ts';
import {
  changes,
  decide,
  type DecideInput,
  type Decision,
} from '../../packages/runtime/src/placement/decide.ts';
import type { PlacementRecord } from '../../packages/runtime/src/placement/types.ts';

const A = 'a@h:1';
const B = 'b@h:2';
const C = 'c@h:3';
const pid = (node: string, id = 1): Pid => ({ node, inc: 1, id });
const record = (owner: string, epoch = 1, p?: Pid): PlacementRecord => ({
  key: 'k',
  kind: 'counter',
  args: {},
  strategy: 'rendezvous',
  owner,
  epoch,
  ...(p === undefined ? {} : { pid: p }),
});
const base: DecideInput = {
  self: A,
  record: undefined,
  running: undefined,
  desired: A,
  live: [A, B, C],
  ap: false,
  writable: true,
  leaving: false,
  ownerGone: false,
  waitedMs: 0,
  maxWaitMs: 3000,
};
const kind = (over: Partial<DecideInput>): Decision['kind'] => decide({ ...base, ...over }).kind;

test('no record: a copy running here stops; otherwise nothing to do', () => {
  assert.equal(kind({ running: { pid: pid(A), epoch: 1 } }), 'stop');
  assert.equal(kind({}), 'idle');
});

test('the owner records its pid (AP), then hands off to a live node the strategy prefers', () => {
  const running = { pid: pid(A), epoch: 2 };
  assert.equal(kind({ record: record(A, 2), running, ap: true }), 'record-pid');
  assert.equal(kind({ record: record(A, 2, pid(A, 9)), running, ap: true }), 'record-pid', 'another pid');
  // CP: the pid is announced to the peers, not written (pid-table.ts).
  assert.equal(kind({ record: record(A, 2), running }), 'idle', 'CP: no pid write');
  assert.deepEqual(decide({ ...base, record: record(A, 2), running, desired: B }), {
    kind: 'hand-off',
    to: B,
  });
  assert.equal(kind({ record: record(A, 2, pid(A)), running }), 'idle');
  assert.deepEqual(decide({ ...base, record: record(A, 2, pid(A)), running, desired: B }), {
    kind: 'hand-off',
    to: B,
  });
  assert.equal(kind({ record: record(A, 2, pid(A)), running, desired: 'gone@h:9' }), 'idle', 'not live');
});

test('the owner without a copy at its epoch starts one: AP keeps a copy given to it, CP restarts', () => {
  const old = { pid: pid(A), epoch: 1 };
  assert.equal(kind({ record: record(A, 3), running: old, ap: true }), 'keep-given');
  assert.deepEqual(decide({ ...base, record: record(A, 3), running: old }), {
    kind: 'start',
    stopFirst: true,
  });
  assert.deepEqual(decide({ ...base, record: record(A, 3) }), { kind: 'start', stopFirst: false });
  assert.deepEqual(decide({ ...base, record: record(A, 3), writable: false }), {
    kind: 'defer',
    stopFirst: false,
  });
});

test('a child that finished here is removed, not started again (defer while the store takes no writes)', () => {
  assert.equal(kind({ record: record(A, 3), finished: true }), 'remove');
  assert.deepEqual(decide({ ...base, record: record(A, 3), finished: true, writable: false }), {
    kind: 'defer',
    stopFirst: false,
  });
});

test('a copy running here under another owner is adopted, waits or merges away (AP), always merges away (CP)', () => {
  const running = { pid: pid(A), epoch: 1 };
  assert.equal(kind({ record: record(''), running, ap: true }), 'adopt');
  assert.equal(kind({ record: record(B), running, ap: true }), 'wait');
  assert.equal(kind({ record: record(B), running, ap: true, waitedMs: 3000 }), 'merge-away');
  assert.equal(kind({ record: record(''), running }), 'merge-away', 'CP: fenced by the old epoch');
});

test('a node claims a child only when the strategy wants it, the owner is gone and it is not leaving', () => {
  assert.equal(kind({ record: record('') }), 'claim');
  assert.equal(kind({ record: record(B), live: [A, C], ownerGone: true }), 'claim');
  assert.equal(kind({ record: record(B), live: [A, B, C], ownerGone: true }), 'idle', 'owner live');
  assert.equal(kind({ record: record(B), live: [A, C], ownerGone: false }), 'idle', 'not yet gone');
  assert.equal(kind({ record: record(''), desired: C }), 'idle');
  assert.equal(kind({ record: record(''), leaving: true }), 'idle');
  assert.equal(kind({ record: record(''), writable: false }), 'defer');
});

const inputs = fc.record<DecideInput>({
  self: fc.constant(A),
  record: fc.option(
    fc
      .tuple(fc.constantFrom('', A, B, C), fc.integer({ min: 1, max: 4 }), fc.option(fc.constantFrom(A, B)))
      .map(([owner, epoch, p]) => record(owner, epoch, p === null ? undefined : pid(p))),
    { nil: undefined },
  ),
  running: fc.option(
    fc.integer({ min: 1, max: 4 }).map((epoch) => ({ pid: pid(A), epoch })),
    { nil: undefined },
  ),
  desired: fc.option(fc.constantFrom(A, B, C, 'gone@h:9'), { nil: undefined }),
  live: fc.subarray([B, C]).map((peers) => [A, ...peers]),
  ap: fc.boolean(),
  writable: fc.boolean(),
  leaving: fc.boolean(),
  ownerGone: fc.boolean(),
  waitedMs: fc.integer({ min: 0, max: 5000 }),
  maxWaitMs: fc.constant(3000),
  finished: fc.boolean(),
});

test('properties: who may start, claim, adopt or write', () => {
  fc.assert(
    fc.property(inputs, (i) => {
      const d = decide(i);
      const rec = i.record;
      if (d.kind === 'claim' || d.kind === 'adopt') {
        assert.equal(i.desired, i.self, 'only the wanted node takes a child');
        assert.equal(i.leaving, false, 'a leaving node takes nothing');
      }
      if (d.kind === 'claim') {
        assert.ok(rec !== undefined && (rec.owner === '' || (!i.live.includes(rec.owner) && i.ownerGone)));
        assert.equal(i.running, undefined);
      }
      if (d.kind === 'start') {
        assert.equal(rec?.owner, i.self, 'a child starts only on its owner');
        assert.ok(i.finished !== true || i.running !== undefined, 'a finished child never starts again');
      }
      if (!i.writable) assert.notEqual(d.kind, 'remove', 'remove while the store takes no writes');
      if (d.kind === 'adopt' || d.kind === 'keep-given' || d.kind === 'wait')
        assert.equal(i.ap, true, 'CP copies are fenced by their epoch: never kept across owners');
      if (!i.writable)
        assert.ok(!['claim', 'start'].includes(d.kind), `${d.kind} while the store takes no writes`);
      if (rec === undefined) assert.ok(['stop', 'idle'].includes(d.kind));
      assert.equal(changes(d), !['idle', 'wait'].includes(d.kind) && !(d.kind === 'defer' && !d.stopFirst));
    }),
    { seed: Number(process.env['PROPERTY_SEED'] ?? Date.now() % 2 ** 31), verbose: true },
  );
});
