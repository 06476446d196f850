import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplyOrderError, TableMachine } from '../../packages/runtime/src/raft/tables/index.ts';
import { del, noop, put, txn } from './helpers.ts';

describe('table machine transactions', () => {
  it('stamps a put with the log index as version and createIndex', () => {
    const m = new TableMachine();
    const { result, changes } = m.apply(5, txn([put('heroes', 'h1', { health: 100 })]));
    assert.deepEqual(result, { ok: true, index: 5, versions: [{ table: 'heroes', key: 'h1', version: 5 }] });
    assert.deepEqual(m.get('heroes', 'h1'), { value: { health: 100 }, version: 5, createIndex: 5 });
    assert.deepEqual(changes, [
      {
        table: 'heroes',
        key: 'h1',
        value: { health: 100 },
        version: 5,
        createIndex: 5,
        index: 5,
        previous: undefined,
      },
    ]);
  });

  it('keeps createIndex and advances version on an overwrite', () => {
    const m = new TableMachine();
    m.apply(1, txn([put('heroes', 'h1', 1)]));
    const { changes } = m.apply(2, txn([put('heroes', 'h1', 2)]));
    assert.deepEqual(m.get('heroes', 'h1'), { value: 2, version: 2, createIndex: 1 });
    assert.deepEqual(changes[0]?.previous, { value: 1, version: 1, createIndex: 1 });
  });

  it('applies every op of a transaction at the same index, in op order', () => {
    const m = new TableMachine();
    m.apply(1, txn([put('t', 'gone', 0)]));
    const { result, changes } = m.apply(
      2,
      txn([put('t', 'a', 1), put('u', 'b', 2), del('t', 'gone'), put('t', 'a', 3)]),
    );
    assert.deepEqual(result, {
      ok: true,
      index: 2,
      versions: [
        { table: 't', key: 'a', version: 2 },
        { table: 'u', key: 'b', version: 2 },
        { table: 't', key: 'gone', version: 0 },
        { table: 't', key: 'a', version: 2 },
      ],
    });
    assert.deepEqual(
      changes.map((c) => [c.table, c.key, c.value, c.version]),
      [
        ['t', 'a', 1, 2],
        ['u', 'b', 2, 2],
        ['t', 'gone', undefined, 0],
        ['t', 'a', 3, 2],
      ],
    );
    assert.deepEqual(changes[3]?.previous, { value: 1, version: 2, createIndex: 2 });
    assert.deepEqual(m.list('t'), [{ key: 'a', value: 3, version: 2, createIndex: 2 }]);
  });

  it('reports no change for deleting an absent record', () => {
    const m = new TableMachine();
    const { result, changes } = m.apply(1, txn([del('t', 'nope')]));
    assert.equal(result.ok, true);
    assert.deepEqual(changes, []);
  });

  describe('conditions', () => {
    it('commits when every condition names the current version', () => {
      const m = new TableMachine();
      m.apply(3, txn([put('t', 'a', 'x')]));
      const { result } = m.apply(4, txn([put('t', 'a', 'y')], [{ table: 't', key: 'a', version: 3 }]));
      assert.equal(result.ok, true);
      assert.equal(m.get('t', 'a')?.value, 'y');
    });

    it('applies nothing when one condition fails, and reports the current versions that failed', () => {
      const m = new TableMachine();
      m.apply(1, txn([put('t', 'a', 1), put('t', 'b', 1)]));
      const before = m.stateHash();
      const { result, changes } = m.apply(
        2,
        txn(
          [put('t', 'a', 2), put('t', 'new', 2), del('t', 'b')],
          [
            { table: 't', key: 'a', version: 1 },
            { table: 't', key: 'b', version: 7 },
          ],
        ),
      );
      assert.deepEqual(result, {
        ok: false,
        code: 'conflict',
        index: 2,
        current: [{ table: 't', key: 'b', version: 1 }],
      });
      assert.deepEqual(changes, []);
      assert.equal(m.get('t', 'a')?.value, 1);
      assert.equal(m.get('t', 'new'), undefined);
      assert.equal(m.get('t', 'b')?.value, 1);
      // Only lastApplied moved.
      assert.notEqual(m.stateHash(), before);
      assert.equal(m.lastApplied, 2);
    });

    it('treats version 0 as "must be absent"', () => {
      const m = new TableMachine();
      assert.equal(
        m.apply(1, txn([put('t', 'a', 1)], [{ table: 't', key: 'a', version: 0 }])).result.ok,
        true,
      );
      const second = m.apply(2, txn([put('t', 'a', 2)], [{ table: 't', key: 'a', version: 0 }])).result;
      assert.deepEqual(second, {
        ok: false,
        code: 'conflict',
        index: 2,
        current: [{ table: 't', key: 'a', version: 1 }],
      });
    });

    it('fails a condition on a deleted record, so a stale writer cannot resurrect it', () => {
      const m = new TableMachine();
      m.apply(1, txn([put('heroes', 'h1', { health: 10 })]));
      m.apply(2, txn([del('heroes', 'h1')], [{ table: 'heroes', key: 'h1', version: 1 }]));
      // A hero process that still believes version 1 is current tries to write back.
      const late = m.apply(
        3,
        txn([put('heroes', 'h1', { health: 50 })], [{ table: 'heroes', key: 'h1', version: 1 }]),
      );
      assert.deepEqual(late.result, {
        ok: false,
        code: 'conflict',
        index: 3,
        current: [{ table: 'heroes', key: 'h1', version: 0 }],
      });
      assert.equal(m.get('heroes', 'h1'), undefined);
    });

    it('fails a condition with a positive version on a record that never existed', () => {
      const m = new TableMachine();
      assert.equal(
        m.apply(1, txn([put('t', 'a', 1)], [{ table: 't', key: 'a', version: 1 }])).result.ok,
        false,
      );
      assert.equal(m.get('t', 'a'), undefined);
    });

    it('evaluates conditions against the state before the transaction, not its own writes', () => {
      const m = new TableMachine();
      const { result } = m.apply(4, txn([put('t', 'a', 1)], [{ table: 't', key: 'a', version: 4 }]));
      assert.equal(result.ok, false);
    });

    it('accepts a transaction of conditions alone as a version check', () => {
      const m = new TableMachine();
      m.apply(1, txn([put('t', 'a', 1)]));
      assert.deepEqual(m.apply(2, txn([], [{ table: 't', key: 'a', version: 1 }])).result, {
        ok: true,
        index: 2,
        versions: [],
      });
    });
  });

  describe('queries', () => {
    it('lists and selects records sorted by key, and drops tables that become empty', () => {
      const m = new TableMachine();
      m.apply(1, txn([put('t', 'b', 2), put('t', 'a', 1), put('t', 'c', 3), put('u', 'x', 0)]));
      assert.deepEqual(
        m.list('t').map((e) => e.key),
        ['a', 'b', 'c'],
      );
      assert.deepEqual(
        m.select('t', (v) => typeof v === 'number' && v >= 2).map((e) => e.key),
        ['b', 'c'],
      );
      assert.deepEqual(m.tables(), ['t', 'u']);
      m.apply(2, txn([del('u', 'x')]));
      assert.deepEqual(m.tables(), ['t']);
      assert.deepEqual(m.list('u'), []);
      assert.equal(m.size('t'), 3);
    });

    it('hands out frozen records and values', () => {
      const m = new TableMachine();
      m.apply(1, txn([put('t', 'a', { nested: { n: 1 } })]));
      const record = m.get('t', 'a') as { value: { nested: { n: number } }; version: number };
      assert.throws(() => {
        record.value.nested.n = 2;
      }, TypeError);
      assert.throws(() => {
        record.version = 9;
      }, TypeError);
    });
  });

  it('answers a no-op with ok and changes nothing', () => {
    const m = new TableMachine();
    m.apply(1, txn([put('t', 'a', 1)]));
    assert.deepEqual(m.apply(2, noop()), {
      result: { ok: true, index: 2, versions: [] },
      changes: [],
      duplicate: false,
    });
    assert.equal(m.get('t', 'a')?.version, 1);
  });

  it('throws ApplyOrderError when an index does not increase', () => {
    const m = new TableMachine();
    m.apply(3, noop());
    for (const bad of [3, 2, 0, 3.5]) {
      assert.throws(
        () => m.apply(bad, noop()),
        (err: unknown) => err instanceof ApplyOrderError && err.code === 'apply-order',
      );
    }
    assert.equal(m.lastApplied, 3);
    m.apply(9, noop());
    assert.equal(m.lastApplied, 9);
  });
});
