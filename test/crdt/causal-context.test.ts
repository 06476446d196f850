import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CausalContext } from '../../packages/runtime/src/crdt/core/causal-context.ts';
import { DeltaLog } from '../../packages/runtime/src/crdt/core/delta-log.ts';
import type { KeyDelta } from '../../packages/runtime/src/crdt/core/entry.ts';
import { incarnationOf, nodeOf, replicaId } from '../../packages/runtime/src/crdt/core/replica-id.ts';
import { CrdtReplicaIdError } from '../../packages/runtime/src/crdt/core/errors.ts';

describe('Causal context (version vector + dot cloud)', () => {
  it('keeps out-of-order dots in the cloud and compacts them into the vector when the gap closes', () => {
    const ctx = new CausalContext();
    ctx.add('a#1', 1);
    ctx.add('a#1', 3);
    ctx.add('a#1', 4);
    assert.deepEqual(ctx.toWire(), { vv: [['a#1', 1]], cloud: [['a#1', [3, 4]]] });
    assert.equal(ctx.has('a#1', 2), false);
    ctx.add('a#1', 2);
    assert.deepEqual(ctx.toWire(), { vv: [['a#1', 4]], cloud: [] });
  });

  it('is exactly the set of dots added, in any order, and joins as set union', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a#1', 'b#1'), fc.integer({ min: 1, max: 30 })), { maxLength: 60 }),
        fc.nat(),
        (dots, cut) => {
          const whole = new CausalContext();
          const left = new CausalContext();
          const right = new CausalContext();
          dots.forEach(([r, s], i) => {
            whole.add(r, s);
            (i < cut % (dots.length + 1) ? left : right).add(r, s);
          });
          const set = new Set(dots.map(([r, s]) => `${r}:${s}`));
          for (const r of ['a#1', 'b#1'])
            for (let s = 1; s <= 31; s++) assert.equal(whole.has(r, s), set.has(`${r}:${s}`));
          left.join(right);
          assert.ok(left.equals(whole), 'join of the halves equals the whole');
          assert.deepEqual(CausalContext.fromWire(whole.toWire()).toWire(), whole.toWire());
          assert.ok(
            left.hash()[0] === whole.hash()[0] && left.hash()[1] === whole.hash()[1],
            'equal sets hash equally',
          );
        },
      ),
    );
  });

  it('a retired replica is covered forever and leaves the vector and the wire', () => {
    const ctx = new CausalContext();
    ctx.add('gone#1', 1);
    ctx.retire('gone#1');
    assert.equal(ctx.has('gone#1', 999), true);
    assert.deepEqual(ctx.toWire(), { vv: [], cloud: [] });
    ctx.joinWire({ vv: [['gone#1', 5]], cloud: [] });
    assert.deepEqual(ctx.replicas(), []);
  });
});

describe('Replica ids', () => {
  it('are node#incarnation and split back', () => {
    const id = replicaId('gotham', 1732242342123);
    assert.equal(id, 'gotham#1732242342123');
    assert.equal(nodeOf(id), 'gotham');
    assert.equal(incarnationOf(id), 1732242342123);
    assert.equal(nodeOf('a#b#7'), 'a#b');
  });

  it('reject empty node names and bad incarnations', () => {
    assert.throws(() => replicaId('', 1), CrdtReplicaIdError);
    assert.throws(() => replicaId('a', -1), CrdtReplicaIdError);
    assert.throws(() => replicaId('a', 1.5), CrdtReplicaIdError);
    assert.throws(() => nodeOf('no-incarnation'), CrdtReplicaIdError);
  });
});

describe('Delta log (bounded, per origin)', () => {
  const op = (seq: number, key = `k${seq}`): KeyDelta<number> => ({
    key,
    entries: [{ rep: 'a#1', seq, ms: seq, lc: 0, value: seq }],
    removed: [],
    ops: [['a#1', seq]],
  });

  it('answers a range with the deltas that carry those writes', () => {
    const log = new DeltaLog<number>(10);
    for (let s = 1; s <= 5; s++) log.record(op(s));
    assert.deepEqual(
      log.collect('a#1', 2, 5)?.map((d) => d.key),
      ['k3', 'k4', 'k5'],
    );
    assert.deepEqual(log.collect('a#1', 5, 5), []);
  });

  it('keeps only the newest `limit` seqs per origin and says so when a request reaches below them', () => {
    const log = new DeltaLog<number>(4);
    for (let s = 1; s <= 10; s++) log.record(op(s));
    assert.deepEqual(log.window('a#1'), { low: 7, top: 10, size: 4 });
    assert.equal(log.collect('a#1', 5, 10), undefined);
    assert.equal(log.collect('a#1', 6, 10)?.length, 4);
  });

  it('indexes a delta only under the writes it carries, not under dots it merely covers', () => {
    const log = new DeltaLog<number>(10);
    const overwrite: KeyDelta<number> = {
      key: 'k1',
      entries: [{ rep: 'a#1', seq: 2, ms: 2, lc: 0, value: 2 }],
      removed: [['a#1', 1]],
      ops: [['a#1', 2]],
    };
    log.record(overwrite);
    assert.equal(log.collect('a#1', 0, 2), undefined, 'seq 1 was covered, not carried');
    assert.equal(log.collect('a#1', 1, 2)?.length, 1);
  });

  it('skips seqs the peer already has and forgets a pruned origin', () => {
    const log = new DeltaLog<number>(10);
    for (let s = 1; s <= 4; s++) log.record(op(s));
    assert.deepEqual(
      log.collect('a#1', 0, 4, (s) => s % 2 === 0)?.map((d) => d.key),
      ['k1', 'k3'],
    );
    log.forget('a#1');
    assert.equal(log.window('a#1'), undefined);
  });
});
