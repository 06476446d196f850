// Exactly-once writes: a command that reaches the log twice (a client retry, or a forwarded request
// re-sent to a new leader) applies once, and every copy answers with the first one's result. A
// leader killed under load loses no acknowledged write, duplicates none, and writes resume quickly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { RaftDriver } from '../../packages/runtime/src/raft/driver/index.ts';
import { encodeCommand, TableMachine } from '../../packages/runtime/src/raft/tables/index.ts';
import type { ApplyOutcome, ApplyResult } from '../../packages/runtime/src/raft/tables/index.ts';
import type { RaftChange } from '../../packages/runtime/src/store/raft-feed.ts';
import { COOKIE, startStoreCluster, waitFor } from './helpers.ts';

test('the same session command submitted twice applies once and both submissions get its result', async (t) => {
  const a = await startNode({ name: 'solo', cookie: COOKIE });
  const applied: number[] = [];
  const machine = new TableMachine();
  const driver = await RaftDriver.start<ApplyOutcome>({
    node: a,
    voters: [a.name],
    machine,
    onApplied: (index, outcome) => {
      if (outcome.changes.length > 0) applied.push(index);
    },
  });
  t.after(async () => {
    await driver.close();
    await a.stop();
  });
  const bytes = encodeCommand({
    kind: 'txn',
    session: { client: 'test-client', seq: 1 },
    ops: [{ op: 'put', table: 't', key: 'k', value: 1 }],
    conditions: [{ table: 't', key: 'k', version: 0 }],
  });
  const [first, retry] = (await Promise.all([driver.submit(bytes), driver.submit(bytes)])) as ApplyResult[];
  assert.equal(first!.ok, true);
  assert.deepEqual(retry, first, 'the retry gets the cached result, not a conflict');
  const later = (await driver.submit(bytes)) as ApplyResult;
  assert.deepEqual(later, first);
  assert.equal(applied.length, 1, 'applied once');
  assert.equal(machine.get('t', 'k')?.version, first!.index);
});

test('killing the leader under load: no acknowledged write lost or duplicated, writes resume without an election timeout', async (t) => {
  // Election timeout of 60–120 s (1 200 ticks of 50 ms): writes that resume within the 30 s guard
  // below were led by a leader elected because the connection dropped, not because time passed.
  const c = await startStoreCluster(['gotham', 'metropolis', 'capitol'], {
    extras: { tickMs: 50, electionTicks: 1200 },
  });
  t.after(() => c.close());
  const leader = c.leader();
  const survivors = c.members.filter((m) => m !== leader);
  const changes = new Map<string, number>();
  const off = survivors[0]!.store.table('load').subscribe((ch) => {
    const key = (ch as RaftChange).key;
    changes.set(key, (changes.get(key) ?? 0) + 1);
  });
  const acked = new Map<string, number>();
  const failures: string[] = [];
  let seq = 0;
  let stop = false;
  let killed = false;
  let firstAckAfterKill = 0;
  // Writers on the survivors, so forwarded requests are in flight when the leader dies. Every key
  // is written once with "must be absent": a duplicate application would surface as a conflict.
  const writers = survivors.flatMap((m) =>
    Array.from({ length: 8 }, async () => {
      while (!stop) {
        const key = `w${seq++}`;
        const afterKill = killed;
        try {
          acked.set(key, await m.store.table('load').put(key, key, { expectVersion: 0 }));
          if (afterKill && firstAckAfterKill === 0) firstAckAfterKill = performance.now();
        } catch (err) {
          failures.push(`${key}: ${(err as Error).message}`);
        }
      }
    }),
  );
  await waitFor(() => acked.size > 300, 10_000);
  const killedAt = performance.now();
  await c.kill(leader.short);
  killed = true;
  // Hang guard only: a write started after the killed leader was gone needs a new leader.
  await waitFor(() => firstAckAfterKill > 0, 30_000, 'a write started after the kill acknowledged');
  const ackCount = acked.size;
  await waitFor(() => acked.size > ackCount + 300, 10_000);
  stop = true;
  await Promise.all(writers);
  const failoverMs = firstAckAfterKill - killedAt;
  t.diagnostic(
    `${acked.size} writes acknowledged; first acknowledgement ${failoverMs.toFixed(0)} ms after the kill`,
  );
  assert.deepEqual(
    failures.filter((f) => f.includes('conflict')),
    [],
    'no write applied twice',
  );
  await survivors[0]!.store.barrier();
  off();
  for (const [key, version] of acked) {
    const got = await survivors[1]!.store.table('load').get(key);
    assert.equal(got?.version, version, `acknowledged ${key} is there at its version`);
    assert.equal(changes.get(key), 1, `${key} changed once`);
  }
});
