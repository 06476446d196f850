import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Pid } from '../../packages/runtime/src/actor/pid.ts';
import type { PidEntry } from '../../packages/runtime/src/placement/pid-table.ts';
import { digestOf, PidTable, sameDigest } from '../../packages/runtime/src/placement/pid-table.ts';

const A = 'a@h:1';
const B = 'b@h:2';
const pid = (node: string, id: number): Pid => ({ node, inc: 7, id });
const rec = (key: string, owner: string, epoch: number) => ({ key, owner, epoch });

test('a pid resolves only for the owner and epoch the record names', () => {
  const t = new PidTable();
  t.learn('k', 4, pid(B, 1));
  assert.deepEqual(t.resolve(rec('k', B, 4)), pid(B, 1));
  assert.equal(t.resolve(rec('k', B, 3)), undefined, 'the record is behind the announcement');
  assert.equal(t.resolve(rec('k', A, 4)), undefined, 'another owner');
  assert.equal(t.resolve(rec('other', B, 4)), undefined);
});

test('a lower epoch never replaces a higher one; the same epoch does (a restarted copy)', () => {
  const t = new PidTable();
  t.learn('k', 5, pid(A, 2)); // the new owner's, arrived first
  t.learn('k', 4, pid(B, 1)); // the previous owner's, late over its own link
  assert.deepEqual(t.resolve(rec('k', A, 5)), pid(A, 2));
  t.learn('k', 5, pid(A, 3));
  assert.deepEqual(t.resolve(rec('k', A, 5)), pid(A, 3));
});

test('a node down takes its entries; forget removes a key', () => {
  const t = new PidTable();
  t.learn('x', 1, pid(A, 1));
  t.learn('y', 1, pid(B, 2));
  t.dropNode(A);
  assert.equal(t.resolve(rec('x', A, 1)), undefined);
  assert.deepEqual(t.resolve(rec('y', B, 1)), pid(B, 2));
  t.forget('y');
  assert.equal(t.size, 0);
});

const entries = fc.uniqueArray(
  fc.record({ key: fc.string({ maxLength: 6 }), epoch: fc.nat(20), id: fc.nat(1000) }),
  { selector: (e) => e.key, maxLength: 40 },
);
const toEntries = (xs: readonly { key: string; epoch: number; id: number }[]): PidEntry[] =>
  xs.map((x) => ({ key: x.key, epoch: x.epoch, pid: pid(B, x.id) }));

test('the digest of a node list is what a table holding that list computes, in any order', () => {
  fc.assert(
    fc.property(entries, (xs) => {
      const list = toEntries(xs);
      const t = new PidTable();
      for (const e of [...list].reverse()) t.learn(e.key, e.epoch, e.pid);
      t.learn('elsewhere', 1, pid(A, 1)); // another node's entry is not in B's digest
      assert.ok(sameDigest(digestOf(list), digestOf(t.entriesOf(B))));
    }),
  );
});

test('a list with an entry lost, or a stale one, has another digest', () => {
  fc.assert(
    fc.property(
      entries.filter((xs) => xs.length > 0),
      fc.nat(),
      (xs, pick) => {
        const list = toEntries(xs);
        const i = pick % list.length;
        const lost = list.filter((_, j) => j !== i);
        assert.ok(!sameDigest(digestOf(list), digestOf(lost)), 'one lost');
        const stale = list.map((e, j) => (j === i ? { ...e, pid: pid(B, e.pid.id + 1) } : e));
        assert.ok(!sameDigest(digestOf(list), digestOf(stale)), 'one stale pid');
      },
    ),
  );
});
