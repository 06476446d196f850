// The failure detector must not accuse healthy peers: not when the local event loop stalls for
// 250 ms at a time, and not when a peer's heartbeats wait on the connection behind seconds of
// data (other messages count as signs of life; the control run without that shows the danger).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterNode, NodeOptions } from '../../packages/runtime/src/cluster/node.ts';
import { busyWait, recordDowns, startCluster, stopAll, waitFor } from './helpers.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('250 ms stalls of the local event loop declare no healthy peer down', async () => {
  const nodes = await startCluster(['gotham', 'metropolis', 'capitol']);
  const downs = recordDowns(nodes);
  try {
    await sleep(600);
    for (let i = 0; i < 6; i++) {
      busyWait(250);
      await sleep(150 + 100 * (i % 3));
    }
    await sleep(1500); // any verdict from the stalls would have come by now
    assert.deepEqual(downs, []);
    assert.ok(nodes.every((n) => n.nodes().length === 2));
    assert.ok(
      nodes.every((n) => n.monitor.detector.stalls >= 5),
      `stalls noticed: ${nodes.map((n) => n.monitor.detector.stalls).join(', ')}`,
    );
  } finally {
    await stopAll(nodes);
  }
});

/**
 * `a` publishes 29 MB at once; `b` spends 4 ms on each 64 KiB message, so `a`'s heartbeats queued
 * behind them reach `b` 1.8 s later at the earliest, while data keeps arriving. (Node reads at
 * most 32 × 64 KiB per poll, so `b`'s loop turns every ~130 ms: not a stall of its own.)
 */
async function firehose(failureDetector: NodeOptions['failureDetector']) {
  const nodes = await startCluster(['gotham', 'metropolis'], failureDetector ? { failureDetector } : {});
  const [a, b] = nodes as [ClusterNode, ClusterNode];
  const downs = recordDowns(nodes);
  let received = 0;
  b.pubsub.listen('firehose', () => {
    received++;
    busyWait(4);
  });
  const payload = 'x'.repeat(64 * 1024);
  const sent = 450;
  for (let i = 0; i < sent; i++) a.pubsub.publish('firehose', payload);
  await waitFor(() => received === sent || downs.length > 0, 15_000);
  const outcome = { downs: [...downs], received, sent };
  await stopAll(nodes);
  return outcome;
}

test('a peer whose heartbeats wait behind seconds of data on its connection is not declared down', async () => {
  const { downs, received, sent } = await firehose(undefined);
  assert.deepEqual(downs, []);
  assert.equal(received, sent);
});

test('(control) judged by heartbeats alone, the same busy peer would be declared down', async () => {
  // Stall detection off as well: on a loaded machine a late tick would otherwise suspend the
  // verdict now and then, and the control is about the heartbeats, not about our own stalls.
  const { downs } = await firehose({ countTraffic: false, stallThresholdMs: 60_000 });
  assert.ok(
    downs.some((d) => d.observer === 'metropolis' && d.reason === 'failure_detected'),
    `downs: ${JSON.stringify(downs)}`,
  );
});
