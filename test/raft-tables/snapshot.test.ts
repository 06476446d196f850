import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { SnapshotFormatError, TableMachine } from '../../packages/runtime/src/raft/tables/index.ts';
import {
  captureSnapshot,
  encodeCaptured,
  encodeSnapshot,
  type MachineState,
} from '../../packages/runtime/src/raft/tables/snapshot.ts';
import type { TableRecord } from '../../packages/runtime/src/raft/tables/types.ts';
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

  it('writes the same snapshot bytes on replicas at the same index, whatever snapshot each restored on the way', () => {
    fc.assert(
      fc.property(log, fc.nat(), fc.nat(), (entries, cutA, cutB) => {
        const whole = new TableMachine(options);
        run(whole, entries);
        for (const cut of [cutA, cutB]) {
          const split = entries.length === 0 ? 0 : cut % (entries.length + 1);
          const first = new TableMachine(options);
          run(first, entries.slice(0, split));
          const restored = new TableMachine(options);
          restored.restore(first.snapshot());
          run(restored, entries.slice(split));
          assert.deepEqual(Buffer.from(restored.snapshot()), Buffer.from(whole.snapshot()));
        }
      }),
      fcOptions(150),
    );
  });

  it("keeps a table's order in its snapshot rather than sorting it, and restores that order", () => {
    const m = new TableMachine();
    m.apply(1, txn([put('t', 'y', 1), put('t', 'x', 2), put('t', 'z', 3)]));
    m.apply(2, txn([put('t', 'y', 4)]));
    const restored = new TableMachine();
    restored.restore(m.snapshot());
    restored.apply(3, txn([put('t', 'a', 5)]));
    const rows = new Packr({ useRecords: false }).unpack(restored.snapshot()).tables[0][1] as unknown[][];
    assert.deepEqual(
      rows.map((r) => r[0]),
      ['y', 'x', 'z', 'a'],
    );
  });

  it('counts the records a snapshot holds: every row and every session, the same after a restore', () => {
    fc.assert(
      fc.property(log, (entries) => {
        const m = new TableMachine(options);
        run(m, entries);
        const rows = m.tables().reduce((n, t) => n + m.size(t), 0);
        assert.equal(m.records(), rows + m.sessionCount);
        const restored = new TableMachine(options);
        restored.restore(m.snapshot());
        assert.equal(restored.records(), m.records());
      }),
      fcOptions(100),
    );
  });

  it('encodes a captured state in slices to the same bytes as in one go, whatever the slice size', async () => {
    const rowsOf = (n: number, tag: string): Map<string, TableRecord> =>
      new Map(
        Array.from({ length: n }, (_, i) => [
          `${tag}${(i * 7919) % 100_003}`,
          Object.freeze({
            value: i % 3 === 0 ? { n: i, s: tag } : `v${i}`,
            version: i + 1,
            createIndex: i + 1,
          }),
        ]),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(70), { maxLength: 4 }),
        fc.integer({ min: 1, max: 40 }),
        fc.nat(3),
        async (sizes, rowsPerSlice, sessionCount) => {
          const state: MachineState = {
            lastApplied: 1000 + sizes.length,
            tables: new Map(sizes.map((n, i) => [`t${3 - i}`, rowsOf(n, `k${i}`)])),
            sessions: Array.from({ length: sessionCount }, (_, i) => ({
              client: `c${i}`,
              seq: i + 1,
              lastSeen: 900 + i,
              result: { ok: true as const, index: 800 + i, versions: [] },
            })),
          };
          const bytes = await encodeCaptured(captureSnapshot(state), rowsPerSlice);
          assert.deepEqual(Buffer.from(bytes), Buffer.from(encodeSnapshot(state)));
        },
      ),
      fcOptions(60),
    );
    // Array headers of every width: 15 / 16 rows (fixarray / array16) and 65,536 (array32).
    for (const n of [15, 16, 65_536]) {
      const state: MachineState = { lastApplied: n, tables: new Map([['t', rowsOf(n, 'k')]]), sessions: [] };
      assert.deepEqual(
        Buffer.from(await encodeCaptured(captureSnapshot(state))),
        Buffer.from(encodeSnapshot(state)),
      );
    }
  });

  it('a sliced snapshot shows the machine when it was asked for, and lets the event loop run between slices', async () => {
    const m = new TableMachine(options);
    let index = 0;
    const rows = Array.from({ length: 3000 }, (_, i) => put('heroes', `h${i}`, { health: i }));
    for (let i = 0; i < rows.length; i += 500) m.apply(++index, txn(rows.slice(i, i + 500)));
    const expected = m.snapshot();
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const later = m.snapshotLater();
    m.apply(index + 1, txn([put('heroes', 'h1', { health: -1 }), put('cities', 'gotham', 1)]));
    const bytes = await later;
    clearInterval(ticker);
    assert.deepEqual(Buffer.from(bytes), Buffer.from(expected), 'the state at the call, not after');
    assert.notDeepEqual(Buffer.from(m.snapshot()), Buffer.from(expected));
    assert.ok(turns > 0, 'timers ran while it encoded');
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
