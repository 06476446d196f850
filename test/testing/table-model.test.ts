import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkOperations,
  checkOperationsDetailed,
  tableModel,
} from '../../packages/runtime/src/testing/linearizability/index.ts';
import type {
  TableModelInput,
  TableModelOutput,
} from '../../packages/runtime/src/testing/linearizability/index.ts';
import { assertWitness, fcOptions, rng } from './history.ts';
import { generateTableHistory, sequentialTableHistory } from './table-history.ts';
import type { TableOp } from './table-history.ts';

const INF = Number.POSITIVE_INFINITY;

function op(
  clientId: number,
  input: TableModelInput,
  output: TableModelOutput | undefined,
  call: number,
  ret: number,
): TableOp {
  return { clientId, input, call, return: output === undefined ? INF : ret, output };
}
const putTxn = (key: string, value: unknown, version?: number): TableModelInput =>
  version === undefined
    ? { kind: 'txn', ops: [{ op: 'put', table: 't', key, value }] }
    : {
        kind: 'txn',
        ops: [{ op: 'put', table: 't', key, value }],
        conditions: [{ table: 't', key, version }],
      };
const delTxn = (key: string): TableModelInput => ({ kind: 'txn', ops: [{ op: 'delete', table: 't', key }] });
const get = (key: string): TableModelInput => ({ kind: 'get', table: 't', key });
const read = (value: unknown, version: number): TableModelOutput => ({ record: { value, version } });

describe('table model', () => {
  it('accepts a committed write read back with its value and version', () => {
    const history = [
      op(0, putTxn('a', { hp: 1 }), { ok: true, index: 4 }, 0, 10),
      op(1, get('a'), read({ hp: 1 }, 4), 11, 12),
    ];
    assert.deepEqual(checkOperations(tableModel, history), { result: 'ok' });
  });

  it('compares values structurally, whatever the key order of objects', () => {
    const history = [
      op(0, putTxn('a', { x: 1, y: 2 }), { ok: true, index: 4 }, 0, 10),
      op(1, get('a'), read({ y: 2, x: 1 }, 4), 11, 12),
    ];
    assert.equal(checkOperations(tableModel, history).result, 'ok');
  });

  it('rejects a read reporting another version than the write committed at', () => {
    const history = [
      op(0, putTxn('a', 1), { ok: true, index: 4 }, 0, 10),
      op(1, get('a'), read(1, 5), 11, 12),
    ];
    assert.equal(checkOperations(tableModel, history).result, 'illegal');
  });

  it('rejects commit indexes that do not increase for one record', () => {
    const history = [
      op(0, putTxn('a', 1), { ok: true, index: 4 }, 0, 10),
      op(0, putTxn('a', 2), { ok: true, index: 3 }, 11, 20),
    ];
    assert.equal(checkOperations(tableModel, history).result, 'illegal');
  });

  it('rejects a conditioned write on a deleted record that claims to have committed', () => {
    const history = [
      op(0, putTxn('a', 1), { ok: true, index: 1 }, 0, 10),
      op(0, delTxn('a'), { ok: true, index: 2 }, 11, 20),
      op(1, putTxn('a', 9, 1), { ok: true, index: 3 }, 21, 30),
    ];
    assert.equal(checkOperations(tableModel, history).result, 'illegal');
  });

  it('accepts a conflict reporting the true current version, and rejects one reporting a wrong version', () => {
    const base = [op(0, putTxn('a', 1), { ok: true, index: 1 }, 0, 10)];
    const right = op(
      1,
      putTxn('a', 2, 7),
      { ok: false, code: 'conflict', current: [{ table: 't', key: 'a', version: 1 }] },
      11,
      20,
    );
    const wrong = op(
      1,
      putTxn('a', 2, 7),
      { ok: false, code: 'conflict', current: [{ table: 't', key: 'a', version: 2 }] },
      11,
      20,
    );
    assert.equal(checkOperations(tableModel, [...base, right]).result, 'ok');
    assert.equal(checkOperations(tableModel, [...base, wrong]).result, 'illegal');
  });

  it('rejects a conflict on a condition that held', () => {
    const history = [
      op(0, putTxn('a', 1), { ok: true, index: 1 }, 0, 10),
      op(1, putTxn('a', 2, 1), { ok: false, code: 'conflict', current: [] }, 11, 20),
    ];
    assert.equal(checkOperations(tableModel, history).result, 'illegal');
  });

  it('ignores a transaction that definitely failed for another reason', () => {
    const history = [
      op(0, putTxn('a', 1), { ok: false, code: 'invalid' }, 0, 10),
      op(1, get('a'), { record: null }, 11, 12),
    ];
    assert.equal(checkOperations(tableModel, history).result, 'ok');
  });

  describe('transactions with an unknown outcome', () => {
    it('binds the unseen commit index when a later read reports it', () => {
      const history = [
        op(0, putTxn('a', 1), { ok: true, index: 3 }, 0, 10),
        op(1, putTxn('a', 2), undefined, 11, 0),
        op(2, get('a'), read(2, 8), 50, 60),
        op(2, get('a'), read(2, 8), 61, 70),
      ];
      assert.equal(checkOperations(tableModel, history).result, 'ok');
    });

    it('rejects two reads disagreeing on the version the unknown transaction got', () => {
      const history = [
        op(0, putTxn('a', 1), { ok: true, index: 3 }, 0, 10),
        op(1, putTxn('a', 2), undefined, 11, 0),
        op(2, get('a'), read(2, 8), 50, 60),
        op(2, get('a'), read(2, 9), 61, 70),
      ];
      assert.equal(checkOperations(tableModel, history).result, 'illegal');
    });

    it('rejects an unseen commit index at or below the version it overwrote', () => {
      const history = [
        op(0, putTxn('a', 1), { ok: true, index: 3 }, 0, 10),
        op(1, putTxn('a', 2), undefined, 11, 0),
        op(2, get('a'), read(2, 3), 50, 60),
      ];
      assert.equal(checkOperations(tableModel, history).result, 'illegal');
    });

    it('gives both records written by one unknown transaction the same version', () => {
      const both: TableModelInput = {
        kind: 'txn',
        ops: [
          { op: 'put', table: 't', key: 'a', value: 1 },
          { op: 'put', table: 't', key: 'b', value: 1 },
        ],
      };
      const same = [
        op(0, both, undefined, 0, 0),
        op(1, get('a'), read(1, 5), 10, 20),
        op(1, get('b'), read(1, 5), 21, 30),
      ];
      const different = [
        op(0, both, undefined, 0, 0),
        op(1, get('a'), read(1, 5), 10, 20),
        op(1, get('b'), read(1, 6), 21, 30),
      ];
      assert.equal(checkOperations(tableModel, same).result, 'ok');
      assert.equal(checkOperations(tableModel, different).result, 'illegal');
    });

    it('bounds the unseen index below a later known write to the same record', () => {
      const history = [
        op(
          1,
          {
            kind: 'txn',
            ops: [
              { op: 'put', table: 't', key: 'a', value: 'u' },
              { op: 'put', table: 't', key: 'b', value: 'u' },
            ],
          },
          undefined,
          0,
          0,
        ),
        op(0, putTxn('a', 'k'), { ok: true, index: 10 }, 20, 30),
        op(2, get('b'), read('u', 12), 42, 43),
        // a still holds k after b showed u: the unknown transaction came before the known write.
        op(2, get('a'), read('k', 10), 44, 45),
      ];
      assert.equal(checkOperations(tableModel, history).result, 'illegal');
      history[2] = op(2, get('b'), read('u', 9), 42, 43);
      assert.equal(checkOperations(tableModel, history).result, 'ok');
    });
  });

  it('checks records touched by disjoint transactions as separate partitions', () => {
    const history = [
      op(0, putTxn('a', 1), { ok: true, index: 1 }, 0, 10),
      op(1, putTxn('b', 1), { ok: true, index: 2 }, 0, 10),
      op(
        2,
        {
          kind: 'txn',
          ops: [
            { op: 'put', table: 't', key: 'c', value: 1 },
            { op: 'put', table: 't', key: 'a', value: 2 },
          ],
        },
        { ok: true, index: 3 },
        11,
        20,
      ),
      op(2, get('b'), read(1, 9), 21, 30),
    ];
    const report = checkOperationsDetailed(tableModel, history);
    assert.equal(report.partitions.length, 2);
    assert.deepEqual(report.verdict, { result: 'illegal', partition: 1, longestPrefix: 1 });
  });

  it('accepts every history of clients running transactions against the real table machine', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(0, 0.1),
        (seed, ops, keys, unknownRate) => {
          const history = generateTableHistory(rng(seed), {
            ops,
            keys,
            clients: 4,
            maxDuration: 8,
            unknownRate,
          });
          const report = checkOperationsDetailed(tableModel, history, { timeoutMs: 10_000 });
          assert.deepEqual(report.verdict, { result: 'ok' }, `history seed ${seed}`);
          for (const p of report.partitions) assertWitness(tableModel, p.operations, p.linearization);
        },
      ),
      fcOptions(100),
    );
  });

  it('rejects a sequential history in which one read reports a wrong version or value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 2, max: 60 }),
        fc.nat(),
        fc.boolean(),
        (seed, n, pick, version) => {
          const history = sequentialTableHistory(rng(seed), n, 3);
          const reads = history.filter((o) => o.output !== undefined && 'record' in o.output);
          fc.pre(reads.length > 0);
          const victim = reads[pick % reads.length] as TableOp;
          const record = (victim.output as { record: { value: unknown; version: number } | null }).record;
          victim.output = {
            record:
              record === null
                ? { value: 'ghost', version: 1 }
                : version
                  ? { ...record, version: record.version + 1 }
                  : { ...record, value: 'ghost' },
          };
          assert.equal(checkOperations(tableModel, history).result, 'illegal', `history seed ${seed}`);
        },
      ),
      fcOptions(150),
    );
  });
});
