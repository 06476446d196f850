// Driver options: documented defaults, the derived election timeout, and refusal of values that
// would break the timers or the protocol.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DRIVER_DEFAULTS,
  RaftDriverConfigError,
  resolveDriverOptions,
} from '../../packages/runtime/src/raft/driver/index.ts';

test('defaults: 50 ms ticks, 100 ms heartbeats, 1 s election timeout, 5 s requests, snapshots every 100,000 entries at most, fsync on, log writes inline while leading', () => {
  const o = resolveDriverOptions();
  assert.equal(o.tickMs, 50);
  assert.equal(o.heartbeatTicks, 2);
  assert.equal(o.electionTimeoutMs, 1000);
  assert.equal(o.requestTimeoutMs, 5000);
  assert.equal(o.snapshotEntries, 100_000);
  assert.equal(o.maxCommandBytes, 1.5 * 1024 * 1024);
  assert.equal(o.fsync, true);
  assert.equal(o.logWrites, 'leader-inline');
  assert.deepEqual(
    { ...o, electionTimeoutMs: undefined },
    { ...DRIVER_DEFAULTS, electionTimeoutMs: undefined },
  );
});

test('the election timeout follows the tick and the election ticks', () => {
  assert.equal(resolveDriverOptions({ tickMs: 100, electionTicks: 10 }).electionTimeoutMs, 1000);
});

test('the default heartbeat stays below a short election timeout', () => {
  assert.equal(resolveDriverOptions({ electionTicks: 2 }).heartbeatTicks, 1);
  assert.equal(resolveDriverOptions({ electionTicks: 3 }).heartbeatTicks, 2);
  assert.throws(() => resolveDriverOptions({ electionTicks: 1 }), RaftDriverConfigError);
});

test('non-positive or fractional values and heartbeats as slow as elections are refused', () => {
  for (const bad of [
    { tickMs: 0 },
    { electionTicks: 1.5 },
    { snapshotEntries: -1 },
    { heartbeatTicks: 20 },
  ]) {
    assert.throws(() => resolveDriverOptions(bad), RaftDriverConfigError, JSON.stringify(bad));
  }
});

test('log writes are inline, on the thread pool, or inline while leading; nothing else', () => {
  for (const mode of ['inline', 'threadpool', 'leader-inline'] as const) {
    assert.equal(resolveDriverOptions({ logWrites: mode }).logWrites, mode);
  }
  assert.throws(
    () => resolveDriverOptions({ logWrites: 'sometimes' as unknown as 'inline' }),
    RaftDriverConfigError,
  );
});
