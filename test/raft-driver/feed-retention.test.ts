// The change feed's history: whatever the transaction sizes and the retention limit, everything
// after `retainedFrom` is retained (whole transactions), `subscribeFrom` replays exactly the
// changes after its index, and older indexes are refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import pino from 'pino';
import { ChangeFeed, type RaftChange } from '../../packages/runtime/src/store/raft-feed.ts';

function change(index: number, n: number): RaftChange {
  return { table: 't', key: `k${index}.${n}`, value: n, version: index, index, previousVersion: 0 };
}

test('retention keeps whole transactions and replays exactly what follows the index', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 80 }),
      fc.integer({ min: 1, max: 40 }),
      fc.nat(),
      (txnSizes, retain, pick) => {
        const feed = new ChangeFeed({ retain, startIndex: 0, log: pino({ level: 'silent' }) });
        const all: RaftChange[] = [];
        txnSizes.forEach((size, i) => {
          for (let n = 0; n < size; n++) {
            const c = change(i + 1, n);
            all.push(c);
            feed.push(c);
          }
        });
        const from = feed.retainedFrom;
        const expectedRetained = all.filter((c) => c.index > from);
        assert.ok(expectedRetained.length <= retain);
        const index = from + (pick % (txnSizes.length - from + 1));
        const got: RaftChange[] = [];
        feed.subscribeFrom(null, index, (c) => got.push(c))();
        assert.deepEqual(
          got,
          all.filter((c) => c.index > index),
        );
        if (from > 0)
          assert.throws(() => feed.subscribeFrom(null, from - 1, () => {}), { code: 'unavailable' });
      },
    ),
    { numRuns: 300 },
  );
});

test('a subscriber added by a listener sees only later changes', () => {
  const feed = new ChangeFeed({ retain: 10, startIndex: 0, log: pino({ level: 'silent' }) });
  const late: number[] = [];
  let added = false;
  feed.subscribe('t', () => {
    if (!added) {
      added = true;
      feed.subscribe('t', (c) => late.push(c.index));
    }
  });
  feed.push(change(1, 0));
  feed.push(change(2, 0));
  assert.deepEqual(late, [2]);
});
