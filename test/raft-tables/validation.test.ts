import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Packr } from 'msgpackr';
import {
  decodeCommand,
  encodeCommand,
  InvalidCommandError,
  TableMachine,
} from '../../packages/runtime/src/raft/tables/index.ts';
import type { TableCommand } from '../../packages/runtime/src/raft/tables/index.ts';
import { put, txn } from './helpers.ts';

// Encodes anything, bypassing validation, as a buggy or hostile proposer could.
const raw = new Packr({ useRecords: false });

const malformed: [string, unknown][] = [
  ['a number instead of a command', 42],
  ['an unknown kind', { kind: 'drop-table', table: 't' }],
  ['a txn without ops', { kind: 'txn' }],
  ['ops that are not an array', { kind: 'txn', ops: { op: 'put' } }],
  ['an unknown op', { kind: 'txn', ops: [{ op: 'increment', table: 't', key: 'k' }] }],
  ['an empty table name', { kind: 'txn', ops: [{ op: 'put', table: '', key: 'k', value: 1 }] }],
  ['an empty key', { kind: 'txn', ops: [{ op: 'delete', table: 't', key: '' }] }],
  ['a key that is not a string', { kind: 'txn', ops: [{ op: 'delete', table: 't', key: 7 }] }],
  ['a put without a value', { kind: 'txn', ops: [{ op: 'put', table: 't', key: 'k' }] }],
  ['a misspelt field', { kind: 'txn', ops: [{ op: 'put', table: 't', key: 'k', vaule: 1, value: 2 }] }],
  [
    'a negative condition version',
    { kind: 'txn', ops: [], conditions: [{ table: 't', key: 'k', version: -1 }] },
  ],
  [
    'a fractional condition version',
    { kind: 'txn', ops: [], conditions: [{ table: 't', key: 'k', version: 1.5 }] },
  ],
  ['a session seq of 0', { kind: 'txn', ops: [], session: { client: 'c', seq: 0 } }],
  ['a session without a client', { kind: 'txn', ops: [], session: { seq: 1 } }],
  ['a closure-like extra field on the command', { kind: 'txn', ops: [], eqFun: 'x => x' }],
  ['a noop with a payload', { kind: 'noop', ops: [] }],
];

describe('table command validation', () => {
  for (const [what, command] of malformed) {
    it(`answers invalid and applies nothing for ${what}`, () => {
      const m = new TableMachine();
      m.apply(1, txn([put('t', 'k', 'before')]));
      const outcome = m.apply(2, raw.pack(command));
      assert.equal(outcome.result.ok, false);
      assert.equal(outcome.result.ok === false && outcome.result.code, 'invalid');
      assert.deepEqual(outcome.changes, []);
      assert.deepEqual(m.list('t'), [{ key: 'k', value: 'before', version: 1, createIndex: 1 }]);
      assert.equal(m.lastApplied, 2);
    });
  }

  it('answers invalid for bytes that are not msgpack', () => {
    const m = new TableMachine();
    const outcome = m.apply(1, new Uint8Array([0x93, 0x01]));
    assert.equal(outcome.result.ok === false && outcome.result.code, 'invalid');
    assert.equal(
      outcome.result.ok === false &&
        outcome.result.code === 'invalid' &&
        outcome.result.reason.startsWith('not a msgpack'),
      true,
    );
  });

  it('refuses to encode a command every replica would reject', () => {
    const bad = { kind: 'txn', ops: [{ op: 'put', table: 't', key: '', value: 1 }] } as TableCommand;
    assert.throws(
      () => encodeCommand(bad),
      (err: unknown) =>
        err instanceof InvalidCommandError &&
        err.code === 'invalid-command' &&
        /ops\[0\]\.key/.test(err.message),
    );
  });

  it('round-trips a command as plain data', () => {
    const command: TableCommand = {
      kind: 'txn',
      session: { client: 'c1', seq: 3 },
      conditions: [{ table: 't', key: 'k', version: 0 }],
      ops: [
        { op: 'put', table: 't', key: 'k', value: { nested: [1, 'two', null, { deep: true }] } },
        { op: 'delete', table: 't', key: 'old' },
      ],
    };
    assert.deepEqual(decodeCommand(encodeCommand(command)), { ok: true, command });
  });

  it('keeps stored bytes independent of the buffer the entry arrived in', () => {
    const m = new TableMachine();
    const bytes = txn([put('t', 'blob', new Uint8Array([1, 2, 3]))]);
    const buffer = new Uint8Array(bytes);
    m.apply(1, buffer);
    buffer.fill(0);
    assert.deepEqual([...(m.get('t', 'blob')?.value as Uint8Array)], [1, 2, 3]);
  });

  it('refuses a command that carries a msgpack extension (a Set through structured clone)', () => {
    const clone = new Packr({ useRecords: false, structuredClone: true, moreTypes: true });
    const bytes = clone.pack({
      kind: 'txn',
      ops: [{ op: 'put', table: 't', key: 'k', value: new Set([1]) }],
    });
    const decoded = decodeCommand(bytes);
    assert.equal(decoded.ok, false);
  });

  it('refuses a command that carries a record definition', () => {
    const records = new Packr({ useRecords: true });
    const bytes = records.pack({ kind: 'txn', ops: [{ op: 'put', table: 't', key: 'k', value: 1 }] });
    assert.equal(decodeCommand(bytes).ok, false);
  });
});
