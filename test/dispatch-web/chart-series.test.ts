// The live charts' pure core: the write p99 between two histogram readings, the markers a cluster
// change adds, and the rings that keep the last few minutes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterView, NodeView } from '../../src/dispatch/model.ts';
import { ChartSeries, clusterMarkers, histogramWindow } from '../../src/dispatch/web/chart-series.ts';

const reading = (
  count: number,
  buckets: [number, number][],
): { count: number; buckets: Map<number, number> } => ({
  count,
  buckets: new Map(buckets),
});

test('the p99 of a window is the upper bound of the bucket that holds 99% of its writes', () => {
  const before = reading(100, [
    [0.001, 100],
    [0.01, 100],
    [0.1, 100],
    [Number.POSITIVE_INFINITY, 100],
  ]);
  // 200 more writes: 150 under 1 ms, 47 more under 10 ms, 3 more under 100 ms → p99 is 100 ms.
  const after = reading(300, [
    [0.001, 250],
    [0.01, 297],
    [0.1, 300],
    [Number.POSITIVE_INFINITY, 300],
  ]);
  assert.deepEqual(histogramWindow(before, after), { count: 200, p99Ms: 100 });
  // 199 of 200 under 10 ms: p99 is 10 ms.
  const tail = reading(300, [
    [0.001, 250],
    [0.01, 299],
    [0.1, 300],
    [Number.POSITIVE_INFINITY, 300],
  ]);
  assert.deepEqual(histogramWindow(before, tail), { count: 200, p99Ms: 10 });
  assert.deepEqual(histogramWindow(after, after), { count: 0, p99Ms: null });
  const beyond = reading(101, [
    [0.001, 100],
    [0.01, 100],
    [0.1, 100],
    [Number.POSITIVE_INFINITY, 101],
  ]);
  assert.deepEqual(
    histogramWindow(before, beyond),
    { count: 1, p99Ms: 100 },
    'past the last bucket: its bound',
  );
});

function node(name: string, status: NodeView['status']): NodeView {
  return { name, role: 'city', status, url: '', heroesHosted: 0, storeRole: 'follower' };
}

function view(leader: string | null, nodes: NodeView[]): ClusterView {
  return { self: 'gotham', storeMode: 'raft', nodes, raft: { term: 1, leader, voters: [], learners: [] } };
}

test('a cluster change becomes markers: leader change, down, up, partition and heal', () => {
  const before = view('gotham', [
    node('gotham', 'up'),
    node('metropolis', 'up'),
    node('capitol', 'partitioned'),
  ]);
  const after = view('metropolis', [node('gotham', 'down'), node('metropolis', 'up'), node('capitol', 'up')]);
  assert.deepEqual(clusterMarkers(before, after, 7), [
    { at: 7, kind: 'leader', text: 'leader metropolis' },
    { at: 7, kind: 'down', text: 'gotham down' },
    { at: 7, kind: 'heal', text: 'capitol heal' },
  ]);
  assert.deepEqual(
    clusterMarkers(
      after,
      view('metropolis', [node('gotham', 'up'), node('metropolis', 'partitioned'), node('capitol', 'up')]),
      8,
    ),
    [
      { at: 8, kind: 'up', text: 'gotham up' },
      { at: 8, kind: 'partition', text: 'metropolis partition' },
    ],
  );
  assert.deepEqual(clusterMarkers(undefined, after, 9), [], 'the first view is no change');
  assert.deepEqual(clusterMarkers(after, after, 10), []);
});

test('the series keeps the newest samples, and only the markers within them', () => {
  const series = new ChartSeries({ capacity: 3 });
  series.mark({ at: 0, kind: 'leader', text: 'leader gotham' });
  for (let at = 1; at <= 5; at++) {
    series.add({ at, writesPerSec: at, writeP99Ms: 1, fightsPerSec: 0, heroesByNode: {} });
    if (at === 4) series.mark({ at, kind: 'down', text: 'capitol down' });
  }
  const { samples, markers } = series.view();
  assert.deepEqual(
    samples.map((s) => s.at),
    [3, 4, 5],
  );
  assert.deepEqual(
    markers.map((m) => m.text),
    ['capitol down'],
  );
});
