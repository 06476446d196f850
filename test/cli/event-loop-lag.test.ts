// A node's event-loop lag gauges, fed by the runtime's shared 50-ms tick: the summary of a window
// of samples, and over a real registry the replacement of prom-client's histogram gauges (each
// name once), a loop stall seen in the next scrape, and each scrape starting a fresh window.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { every } from '../../packages/runtime/src/cluster/transport/ticker.ts';
import { LAG_TIMER_OFF_MS, registerEventLoopLag, summarizeLag } from '../../src/cli/event-loop-lag.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the event loop is stalled on purpose
  }
}

/** The value of `name` in a Prometheus text exposition (the single unlabelled sample). */
function value(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line !== undefined, `${name} missing`);
  return Number(line.slice(name.length + 1));
}

test('the summary of a window: extremes, mean, spread and nearest-rank percentiles; zeros when empty', () => {
  const samples = Array.from({ length: 100 }, (_, i) => (i + 1) / 1000); // 1 … 100 ms, shuffled below
  samples.reverse();
  const s = summarizeLag(samples);
  assert.equal(s.min, 0.001);
  assert.equal(s.max, 0.1);
  assert.ok(Math.abs(s.mean - 0.0505) < 1e-12);
  assert.ok(Math.abs(s.stddev - Math.sqrt((100 ** 2 - 1) / 12) / 1000) < 1e-12);
  assert.deepEqual([s.p50, s.p90, s.p99], [0.05, 0.09, 0.099]);
  assert.deepEqual(summarizeLag([]), { min: 0, max: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p99: 0 });
});

test('the gauges replace the histogram ones, see a stall of the loop, and start afresh at each scrape', async () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: LAG_TIMER_OFF_MS });
  const stop = registerEventLoopLag(registry);
  const task = every(50, () => undefined); // a node always has tasks on the shared tick
  try {
    await sleep(200);
    await registry.metrics(); // empties the window
    busyWait(600);
    await sleep(120); // the tick after the stall runs
    const stalled = await registry.metrics();
    for (const name of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99']) {
      const full = `nodejs_eventloop_lag_${name}_seconds`;
      assert.equal(stalled.split('\n').filter((l) => l.startsWith(`# TYPE ${full} `)).length, 1, full);
    }
    assert.ok(value(stalled, 'nodejs_eventloop_lag_max_seconds') >= 0.55, 'the 600-ms stall is seen');
    await sleep(200);
    const after = await registry.metrics();
    assert.ok(value(after, 'nodejs_eventloop_lag_max_seconds') < 0.55, 'the stall is not seen twice');
  } finally {
    task.cancel();
    stop();
  }
});
