import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkOperations,
  checkOperationsDetailed,
  InvalidHistoryError,
  kvModel,
} from '../../packages/runtime/src/testing/linearizability/index.ts';
import type {
  KvInput,
  KvOutput,
  Operation,
} from '../../packages/runtime/src/testing/linearizability/index.ts';

type Op = Operation<KvInput, KvOutput>;
const INF = Number.POSITIVE_INFINITY;

function put(clientId: number, key: string, value: string, call: number, ret: number): Op {
  return { clientId, input: { op: 'put', key, value }, call, return: ret, output: { ok: true } };
}
function get(clientId: number, key: string, value: string | null, call: number, ret: number): Op {
  return { clientId, input: { op: 'get', key }, call, return: ret, output: { ok: true, value } };
}
function del(clientId: number, key: string, call: number, ret: number): Op {
  return { clientId, input: { op: 'delete', key }, call, return: ret, output: { ok: true } };
}
function cas(
  clientId: number,
  key: string,
  expected: string | null,
  value: string,
  ok: boolean,
  call: number,
  ret: number,
): Op {
  return { clientId, input: { op: 'cas', key, expected, value }, call, return: ret, output: { ok } };
}
function unknownPut(clientId: number, key: string, value: string, call: number): Op {
  return { clientId, input: { op: 'put', key, value }, call, return: INF, output: undefined };
}

describe('linearizability checker on a key-value map', () => {
  it('accepts an empty history', () => {
    assert.deepEqual(checkOperations(kvModel, []), { result: 'ok' });
  });

  it('accepts a read that returns the value of a completed write', () => {
    assert.deepEqual(checkOperations(kvModel, [put(0, 'x', '1', 0, 10), get(1, 'x', '1', 20, 30)]), {
      result: 'ok',
    });
  });

  it('rejects a stale read after a completed write', () => {
    const history = [put(0, 'x', '1', 0, 10), put(0, 'x', '2', 11, 20), get(1, 'x', '1', 25, 30)];
    assert.deepEqual(checkOperations(kvModel, history), {
      result: 'illegal',
      partition: 0,
      longestPrefix: 2,
    });
  });

  it('rejects a read of an absent key after a completed write (a lost write)', () => {
    const history = [put(0, 'x', '1', 0, 10), get(1, 'x', null, 15, 20)];
    assert.equal(checkOperations(kvModel, history).result, 'illegal');
  });

  it('accepts a read concurrent with a write seeing either the old or the new value', () => {
    const base = [put(0, 'x', '1', 0, 10), put(0, 'x', '2', 20, 40)];
    assert.equal(checkOperations(kvModel, [...base, get(1, 'x', '1', 25, 30)]).result, 'ok');
    assert.equal(checkOperations(kvModel, [...base, get(1, 'x', '2', 25, 30)]).result, 'ok');
  });

  it('accepts two concurrent writes linearized in either order', () => {
    const writes = [put(0, 'x', 'a', 0, 10), put(1, 'x', 'b', 0, 10)];
    assert.equal(checkOperations(kvModel, [...writes, get(2, 'x', 'a', 20, 30)]).result, 'ok');
    assert.equal(checkOperations(kvModel, [...writes, get(2, 'x', 'b', 20, 30)]).result, 'ok');
  });

  it('rejects readers that see two concurrent writes in contradicting orders after both completed', () => {
    const history = [
      put(0, 'x', 'a', 0, 10),
      put(1, 'x', 'b', 0, 10),
      get(2, 'x', 'a', 20, 30),
      get(3, 'x', 'b', 31, 40),
      get(2, 'x', 'a', 41, 50),
    ];
    assert.equal(checkOperations(kvModel, history).result, 'illegal');
  });

  it('treats intervals as closed: an operation returning at t is concurrent with one called at t', () => {
    // The read is called exactly when the write returns, so it may be ordered before the write.
    const history = [put(0, 'x', '1', 0, 20), get(1, 'x', null, 20, 30)];
    assert.equal(checkOperations(kvModel, history).result, 'ok');
    assert.equal(
      checkOperations(kvModel, [put(0, 'x', '1', 0, 20), get(1, 'x', null, 21, 30)]).result,
      'illegal',
    );
  });

  describe('operations with an unknown outcome', () => {
    it('accepts later reads that see the write or do not see it', () => {
      const seen = [unknownPut(0, 'x', '1', 0), get(1, 'x', '1', 50, 60)];
      const unseen = [unknownPut(0, 'x', '1', 0), get(1, 'x', null, 50, 60)];
      assert.equal(checkOperations(kvModel, seen).result, 'ok');
      assert.equal(checkOperations(kvModel, unseen).result, 'ok');
    });

    it('accepts the write taking effect long after its client gave up', () => {
      const history = [unknownPut(0, 'x', '1', 0), get(1, 'x', null, 50, 60), get(1, 'x', '1', 1000, 1010)];
      assert.equal(checkOperations(kvModel, history).result, 'ok');
    });

    it('rejects a read that no longer sees the write once another read has seen it', () => {
      const history = [unknownPut(0, 'x', '1', 0), get(1, 'x', '1', 50, 60), get(1, 'x', null, 70, 80)];
      assert.equal(checkOperations(kvModel, history).result, 'illegal');
    });

    it('rejects a read of the write before the write was called', () => {
      const history = [get(1, 'x', '1', 0, 10), unknownPut(0, 'x', '1', 20)];
      assert.equal(checkOperations(kvModel, history).result, 'illegal');
    });

    it('treats an undefined output as unknown whatever return time was recorded', () => {
      const late: Op = {
        clientId: 0,
        input: { op: 'put', key: 'x', value: '1' },
        call: 0,
        return: 5,
        output: undefined,
      };
      assert.equal(
        checkOperations(kvModel, [late, get(1, 'x', null, 10, 20), get(1, 'x', '1', 30, 40)]).result,
        'ok',
      );
    });
  });

  describe('compare-and-set', () => {
    it('accepts a cas that matches the current value and one that reports a mismatch', () => {
      const history = [
        put(0, 'x', '1', 0, 10),
        cas(0, 'x', '1', '2', true, 11, 20),
        cas(1, 'x', '1', '3', false, 21, 30),
        get(1, 'x', '2', 31, 40),
      ];
      assert.equal(checkOperations(kvModel, history).result, 'ok');
    });

    it('rejects a cas on a deleted key that claims to have succeeded', () => {
      const history = [put(0, 'x', '1', 0, 10), del(0, 'x', 11, 20), cas(1, 'x', '1', '2', true, 21, 30)];
      assert.equal(checkOperations(kvModel, history).result, 'illegal');
    });

    it('accepts a cas expecting absence on a key that was never written', () => {
      assert.equal(
        checkOperations(kvModel, [cas(0, 'x', null, '1', true, 0, 10), get(0, 'x', '1', 11, 20)]).result,
        'ok',
      );
    });

    it('rejects a failed cas whose reported current value is wrong', () => {
      const failed: Op = {
        clientId: 1,
        input: { op: 'cas', key: 'x', expected: '9', value: '2' },
        call: 11,
        return: 20,
        output: { ok: false, value: '7' },
      };
      assert.equal(checkOperations(kvModel, [put(0, 'x', '1', 0, 10), failed]).result, 'illegal');
    });
  });

  it('checks keys apart and names the partition that fails', () => {
    const history = [
      put(0, 'a', '1', 0, 10),
      put(0, 'b', '1', 0, 10),
      get(1, 'a', '1', 20, 30),
      get(1, 'b', '0', 20, 30),
    ];
    assert.deepEqual(checkOperations(kvModel, history), {
      result: 'illegal',
      partition: 1,
      longestPrefix: 1,
    });
    const detailed = checkOperationsDetailed(kvModel, history);
    assert.equal(detailed.partitions[0]?.result, 'ok');
    assert.equal(detailed.partitions[1]?.result, 'illegal');
    assert.deepEqual(detailed.partitions[1]?.linearization, [history[1]]);
  });

  it('returns unknown when the time budget is spent', () => {
    const history = [put(0, 'x', '1', 0, 10), get(1, 'x', '1', 20, 30)];
    assert.deepEqual(checkOperations(kvModel, history, { timeoutMs: 0 }), {
      result: 'unknown',
      reason: 'timeout',
    });
  });

  it('throws InvalidHistoryError for a return before its call', () => {
    assert.throws(
      () => checkOperations(kvModel, [put(0, 'x', '1', 10, 5)]),
      (err: unknown) => err instanceof InvalidHistoryError && err.code === 'invalid-history',
    );
    assert.throws(() => checkOperations(kvModel, [put(0, 'x', '1', Number.NaN, 5)]), InvalidHistoryError);
  });
});
