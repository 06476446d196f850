import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { SnapshotFormatError, TableMachine } from '../../packages/runtime/src/raft/tables/index.ts';
import type { ApplyOutcome } from '../../packages/runtime/src/raft/tables/index.ts';
import { fcOptions, log, put, txn } from './helpers.ts';

const options = { ttlEntries: 15, maxSessions: 2 };

function run(machine: TableMachine, entries: { index: number; bytes: Uint8Array }[]): ApplyOutcome[] {
  return entries.map((e) => machine.apply(e.index, e.bytes));
}

function view(m: TableMachine): unknown {
  return {
    tables: m.tables().map((t) => [t, m.list(t)]),
    lastApplied: m.lastApplied,
    sessions: m.sessionCount,
  };
}

describe('table machine snapshots and determinism', () => {
  it('ends two machines fed the same log in equal states, with equal results on the way', () => {
    fc.assert(
      fc.property(log, (entries) => {
        const a = new TableMachine(options);
        const b = new TableMachine(options);
        for (const e of entries) {
          assert.deepEqual(a.apply(e.index, e.bytes), b.apply(e.index, e.bytes));
          assert.equal(a.stateHash(), b.stateHash());
        }
      }),
      fcOptions(100),
    );
  });

  it('restoring a snapshot then applying the rest equals applying everything', () => {
    fc.assert(
      fc.property(log, fc.nat(), (entries, cut) => {
        const split = entries.length === 0 ? 0 : cut % (entries.length + 1);
        const whole = new TableMachine(options);
        const wholeOutcomes = run(whole, entries);

        const first = new TableMachine(options);
        run(first, entries.slice(0, split));
        const restored = new TableMachine(options);
        restored.restore(first.snapshot());
        assert.equal(restored.stateHash(), first.stateHash());
        const restOutcomes = run(restored, entries.slice(split));

        assert.deepEqual(restOutcomes, wholeOutcomes.slice(split));
        assert.equal(restored.stateHash(), whole.stateHash());
        assert.deepEqual(view(restored), view(whole));
      }),
      fcOptions(150),
    );
  });

  it('restore replaces everything that was there before', () => {
    const source = new TableMachine();
    source.apply(1, txn([put('t', 'a', 1)]));
    const target = new TableMachine();
    target.apply(1, txn([put('t', 'stale', 1), put('u', 'x', 2)]));
    target.apply(2, txn([put('t', 'a', 'other')]));
    target.restore(source.snapshot());
    assert.equal(target.stateHash(), source.stateHash());
    assert.deepEqual(target.tables(), ['t']);
    assert.equal(target.lastApplied, 1);
  });

  it('gives equal hashes for equal contents reached in different orders of keys', () => {
    const a = new TableMachine();
    a.apply(1, txn([put('t', 'x', 1), put('t', 'y', 2)]));
    const b = new TableMachine();
    b.apply(1, txn([put('t', 'y', 2), put('t', 'x', 1)]));
    assert.equal(a.stateHash(), b.stateHash());
    b.apply(2, txn([put('t', 'y', 3)]));
    assert.notEqual(a.stateHash(), b.stateHash());
  });

  it('throws SnapshotFormatError for bytes that are not a snapshot', () => {
    const packr = new Packr({ useRecords: false });
    const m = new TableMachine();
    m.apply(1, txn([put('t', 'a', 1)]));
    const before = m.stateHash();
    for (const bytes of [
      new Uint8Array([0x93, 0x01]),
      packr.pack({ format: 2, lastApplied: 0, tables: [], sessions: [] }),
      packr.pack({ format: 1, lastApplied: -1, tables: [], sessions: [] }),
      packr.pack({ format: 1, lastApplied: 0, tables: [['t', [['k', 1, 1]]]], sessions: [] }),
      packr.pack({ format: 1, lastApplied: 0, tables: [], sessions: [['c', 1, 1, 'not a result']] }),
    ]) {
      assert.throws(
        () => m.restore(bytes),
        (err: unknown) => err instanceof SnapshotFormatError && err.code === 'bad-snapshot',
      );
    }
    assert.equal(m.stateHash(), before);
  });
});
