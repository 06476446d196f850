// Node-level failure detection over TCP in real time: a partition that closes nothing is noticed
// by the phi-accrual detector on both sides (failure_detected); a closed connection is a node down
// by that close (connection_closed), not by the detector. Detection times are printed, not
// asserted. (No false suspicion under stalls and load: false-suspicion.test.ts.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import { FaultController } from '../../packages/runtime/src/cluster/transport/faults.ts';
import { recordDowns, startCluster, stopAll, waitFor } from './helpers.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a partitioned node is declared down on both sides of the cut by the detector, and rejoins after the heal', async (t) => {
  const faults = new FaultController();
  const nodes = await startCluster(['gotham', 'metropolis', 'capitol'], { faults });
  const downs = recordDowns(nodes);
  const latencies: number[] = [];
  try {
    await sleep(1000); // the detector learns the heartbeat rhythm
    for (const cut of ['gotham', 'metropolis', 'capitol']) {
      const rest = nodes.map((n) => n.shortName).filter((n) => n !== cut);
      downs.length = 0;
      const cutAt = performance.now();
      faults.partition([cut], rest);
      await waitFor(() => downs.length === 4, 30_000, 'both sides of the cut declaring the other down');
      latencies.push(...downs.map((d) => d.at - cutAt));
      const seen = downs.map((d) => `${d.observer}→${d.peer}:${d.reason}`).sort();
      const expected = [
        ...rest.map((r) => `${r}→${cut}:failure_detected`),
        ...rest.map((r) => `${cut}→${r}:failure_detected`),
      ].sort();
      assert.deepEqual(seen, expected);
      faults.heal();
      await waitFor(() => nodes.every((n) => n.nodes().length === 2), 8000);
      await sleep(300);
    }
    t.diagnostic(`detection after the cut: ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`);
  } finally {
    await stopAll(nodes);
  }
});

test('a closed connection is a node down at once, reported as connection_closed', async (t) => {
  const nodes = await startCluster(['gotham', 'metropolis']);
  const [a, b] = nodes as [ClusterNode, ClusterNode];
  const downs = recordDowns([a]);
  const stoppedAt = performance.now();
  await b.stop();
  await waitFor(() => downs.length === 1, 30_000, 'the node down');
  t.diagnostic(`node down ${(downs[0]!.at - stoppedAt).toFixed(0)} ms after the stop began`);
  // The close itself, not the detector's judgement of a silence, took it down.
  assert.deepEqual(
    downs.map((d) => d.reason),
    ['connection_closed'],
  );
  await a.stop();
});
