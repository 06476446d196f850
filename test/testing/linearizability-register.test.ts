import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOperations, registerModel } from '../../packages/runtime/src/testing/linearizability/index.ts';
import type {
  Operation,
  RegisterInput,
  RegisterOutput,
  RegisterValue,
} from '../../packages/runtime/src/testing/linearizability/index.ts';

type Op = Operation<RegisterInput, RegisterOutput>;

const write = (clientId: number, value: RegisterValue, call: number, ret: number): Op => ({
  clientId,
  input: { op: 'write', value },
  call,
  return: ret,
  output: { ok: true },
});
const read = (clientId: number, value: RegisterValue, call: number, ret: number): Op => ({
  clientId,
  input: { op: 'read' },
  call,
  return: ret,
  output: { ok: true, value },
});
const cas = (
  clientId: number,
  expected: RegisterValue,
  value: RegisterValue,
  ok: boolean,
  call: number,
  ret: number,
): Op => ({
  clientId,
  input: { op: 'cas', expected, value },
  call,
  return: ret,
  output: { ok },
});

describe('linearizability checker on a register', () => {
  it('accepts the textbook history where a read overlaps two writes', () => {
    // C0 writes 100 then C1 writes 200 overlapping a read by C2 that sees 100: legal.
    const history = [write(0, 100, 0, 100), write(1, 200, 25, 75), read(2, 100, 30, 60)];
    assert.equal(checkOperations(registerModel, history).result, 'ok');
  });

  it('rejects a read of a value that was overwritten before the read began', () => {
    const history = [write(0, 0, 0, 10), write(1, 1, 20, 30), read(2, 0, 40, 50)];
    assert.equal(checkOperations(registerModel, history).result, 'illegal');
  });

  it('rejects reads going back in time: new value, then old value, with no write in between', () => {
    const history = [write(0, 1, 0, 100), read(1, 1, 10, 20), read(2, null, 30, 40)];
    assert.equal(checkOperations(registerModel, history).result, 'illegal');
  });

  it('keeps numbers and strings apart', () => {
    assert.equal(
      checkOperations(registerModel, [write(0, 1, 0, 10), read(1, '1', 20, 30)]).result,
      'illegal',
    );
  });

  it('accepts a cas chain and rejects two cas from the same value both succeeding', () => {
    const chain = [
      write(0, 0, 0, 10),
      cas(1, 0, 1, true, 20, 30),
      cas(2, 1, 2, true, 40, 50),
      read(0, 2, 60, 70),
    ];
    assert.equal(checkOperations(registerModel, chain).result, 'ok');
    const both = [write(0, 0, 0, 10), cas(1, 0, 1, true, 20, 30), cas(2, 0, 2, true, 20, 30)];
    assert.equal(checkOperations(registerModel, both).result, 'illegal');
  });

  it('accepts an unknown-outcome cas that did take effect', () => {
    const unknown: Op = {
      clientId: 1,
      input: { op: 'cas', expected: 0, value: 9 },
      call: 20,
      return: Infinity,
      output: undefined,
    };
    const history = [write(0, 0, 0, 10), unknown, read(2, 9, 100, 110)];
    assert.equal(checkOperations(registerModel, history).result, 'ok');
  });
});
