import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TableMachine } from '../../packages/runtime/src/raft/tables/index.ts';
import { noop, put, txn } from './helpers.ts';

const s = (client: string, seq: number) => ({ client, seq });

describe('table machine client sessions', () => {
  it('applies a retried command once and answers the retry with the cached result', () => {
    const m = new TableMachine();
    const cmd = txn([put('counters', 'hits', 1)], undefined, s('c1', 1));
    const first = m.apply(1, cmd);
    assert.equal(first.duplicate, false);
    assert.equal(first.changes.length, 1);
    const retry = m.apply(2, cmd);
    assert.deepEqual(retry, { result: first.result, changes: [], duplicate: true });
    assert.equal(m.get('counters', 'hits')?.version, 1);
  });

  it('caches a conflict too, so a retry cannot turn into a commit later', () => {
    const m = new TableMachine();
    const cas = txn([put('t', 'k', 'mine')], [{ table: 't', key: 'k', version: 5 }], s('c1', 1));
    const first = m.apply(1, cas);
    assert.equal(first.result.ok, false);
    // The version the condition names now exists, but the retry is the same request.
    for (let i = 2; i <= 5; i++) m.apply(i, txn([put('t', 'k', i)]));
    assert.equal(m.get('t', 'k')?.version, 5);
    assert.deepEqual(m.apply(6, cas).result, first.result);
    assert.equal(m.get('t', 'k')?.value, 5);
  });

  it('applies each new seq of a client and answers an older seq as stale', () => {
    const m = new TableMachine();
    m.apply(1, txn([put('t', 'a', 1)], undefined, s('c1', 1)));
    assert.equal(m.apply(2, txn([put('t', 'a', 2)], undefined, s('c1', 2))).result.ok, true);
    const old = m.apply(3, txn([put('t', 'a', 'old')], undefined, s('c1', 1)));
    assert.deepEqual(old.result, { ok: false, code: 'session-stale', index: 3, lastSeq: 2 });
    assert.equal(m.get('t', 'a')?.value, 2);
  });

  it('keeps clients apart', () => {
    const m = new TableMachine();
    m.apply(1, txn([put('t', 'a', 'c1')], undefined, s('c1', 1)));
    assert.equal(m.apply(2, txn([put('t', 'a', 'c2')], undefined, s('c2', 1))).duplicate, false);
    assert.equal(m.get('t', 'a')?.value, 'c2');
  });

  it('refuses a seq above 1 from an unknown client, since it may already have run', () => {
    const m = new TableMachine();
    const outcome = m.apply(1, txn([put('t', 'a', 1)], undefined, s('ghost', 4)));
    assert.deepEqual(outcome.result, { ok: false, code: 'session-expired', index: 1 });
    assert.equal(m.get('t', 'a'), undefined);
    assert.equal(m.sessionCount, 0);
  });

  it('expires a session once ttlEntries entries were applied since its client was last seen', () => {
    const m = new TableMachine({ ttlEntries: 10 });
    const cmd = txn([put('t', 'a', 1)], undefined, s('c1', 1));
    m.apply(1, cmd);
    assert.equal(m.apply(10, cmd).duplicate, true); // 9 entries later: kept, last seen now 10
    assert.equal(m.apply(19, txn([put('t', 'b', 1)], undefined, s('c1', 2))).duplicate, false); // last seen 19
    m.apply(28, noop());
    assert.equal(m.sessionCount, 1);
    m.apply(29, noop());
    assert.equal(m.sessionCount, 0);
    const late = m.apply(30, txn([put('t', 'b', 2)], undefined, s('c1', 2)));
    assert.deepEqual(late.result, { ok: false, code: 'session-expired', index: 30 });
  });

  it('evicts the least recently seen session beyond maxSessions', () => {
    const m = new TableMachine({ maxSessions: 2 });
    m.apply(1, txn([], undefined, s('a', 1)));
    m.apply(2, txn([], undefined, s('b', 1)));
    m.apply(3, txn([], undefined, s('a', 1))); // a seen again: b is now the oldest
    m.apply(4, txn([], undefined, s('c', 1)));
    assert.equal(m.sessionCount, 2);
    assert.equal(m.apply(5, txn([], undefined, s('a', 1))).duplicate, true);
    assert.equal(m.apply(6, txn([], undefined, s('c', 1))).duplicate, true);
    assert.deepEqual(m.apply(7, txn([], undefined, s('b', 2))).result, {
      ok: false,
      code: 'session-expired',
      index: 7,
    });
  });

  it('does not touch sessions for malformed entries', () => {
    const m = new TableMachine();
    m.apply(1, new Uint8Array([0xc1]));
    assert.equal(m.sessionCount, 0);
  });

  it('carries sessions through a snapshot, so a retry after restore is still a duplicate', () => {
    const m = new TableMachine();
    const cmd = txn([put('t', 'a', 1)], undefined, s('c1', 1));
    m.apply(1, cmd);
    const restored = new TableMachine();
    restored.restore(m.snapshot());
    const retry = restored.apply(2, cmd);
    assert.equal(retry.duplicate, true);
    assert.equal(restored.get('t', 'a')?.version, 1);
  });

  it('rejects bad session options', () => {
    assert.throws(() => new TableMachine({ ttlEntries: 0 }), RangeError);
    assert.throws(() => new TableMachine({ maxSessions: 1.5 }), RangeError);
  });
});
