/**
 * A child that finishes on its own (a normal exit) is done for good: its record is removed, and
 * while that removal has not applied — a slow or failing store — neither the full sweep nor an
 * event starts the child again. Regression: the removal was one unretried delete, and a sweep in
 * the meantime saw a record naming this node with no copy running and started a new copy (the
 * dispatch benchmark's "full sweep repaired a key the events missed (start)" at 25,000 heroes,
 * where dead heroes' actors finish all the time).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Behaviour } from '../../packages/runtime/src/actor/index.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { startDistributedSupervisor } from '../../packages/runtime/src/placement/index.ts';
import type { PlacedInit } from '../../packages/runtime/src/placement/index.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import { StoreError } from '../../packages/runtime/src/store/types.ts';
import { COOKIE, waitFor } from '../cluster/helpers.ts';
import { testLogger } from '../test-logger.ts';

/** Copies started, by key. */
const starts = new Map<string, number>();

/** A job that counts its starts and finishes (stops normally) when told to. */
const job: Behaviour<string, PlacedInit, { type: 'finish' }, unknown> = {
  name: 'placed-job',
  init: (init) => {
    starts.set(init.key, (starts.get(init.key) ?? 0) + 1);
    return init.key;
  },
  handleCall: (_msg, _from, key, ctx) => {
    ctx.stop('normal');
    return { reply: 'done', state: key };
  },
};

for (const mode of ['CP', 'AP'] as const) {
  test(`${mode}: a finished child is not started again while its record's removal keeps failing`, async (t) => {
    const store = new MemoryStore({ transactions: mode === 'CP' });
    // The placement table's deletes fail (as a store without quorum would) until `failing` is off.
    let failing = true;
    let refused = 0;
    const placement = store.table('placement');
    const remove = placement.delete.bind(placement);
    placement.delete = async (key, options) => {
      if (failing) {
        refused++;
        throw new StoreError('timeout', 'the store did not answer in time');
      }
      return remove(key, options);
    };
    const node = await startNode({ name: `fin${mode}`, cookie: COOKIE, logger: testLogger });
    t.after(() => node.stop());
    const sup = await startDistributedSupervisor({
      node,
      store,
      kinds: { job },
      fullSweepIntervalMs: 100,
      reconcileIntervalMs: 100,
    });
    t.after(() => sup.stop());
    const key = `job-${mode}`;
    await sup.startChild({ key, kind: 'job' });
    await waitFor(() => sup.localKeys().includes(key), 5000);
    assert.equal(await node.system.call({ via: sup, key }, { type: 'finish' }), 'done');
    await waitFor(() => !sup.localKeys().includes(key), 5000);

    // Sweeps and retries go on while the removal fails: the job stays finished.
    await waitFor(() => refused >= 5, 10_000);
    assert.equal(starts.get(key), 1, 'started once');
    assert.ok(await placement.get(key), 'the record is still there');

    failing = false;
    await waitFor(async () => (await placement.get(key)) === undefined, 10_000);
    assert.equal(starts.get(key), 1, 'started once');
    assert.equal(sup.stats().sweepRepairs, 0);
  });
}
