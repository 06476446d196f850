// The scaling model (bench/scaling/model.ts): a full-mesh node's cost grows with every peer, a
// partial view's with log N, and the crossing of a budget found by walking N is the closed form.
// The overlay simulation is seeded: SCALING_SEED=n replays one seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  activeViewSize,
  crossing,
  crossingFormula,
  cpuPerPeer,
  fitLine,
  fullMeshCost,
  linearBytes,
  partialViewCost,
  simulatePartialView,
  type MeshConstants,
} from '../../bench/scaling/model.ts';
import { FAILURE_DETECTOR_DEFAULTS } from '../../packages/runtime/src/cluster/failure-detector/detector.ts';

const constants: MeshConstants = {
  heartbeatIntervalMs: FAILURE_DETECTOR_DEFAULTS.heartbeatIntervalMs,
  heartbeatFrameBytes: 14,
  cpu: { base: 0.003, perPeer: 0.0001 },
};
const seed = Number(process.env['SCALING_SEED'] ?? Date.now() % 100_000);
console.log(`SCALING_SEED=${seed}`);

test('a full-mesh node heartbeats every other node once per interval', () => {
  const c = fullMeshCost(100, constants);
  assert.equal(c.links, 99);
  assert.equal(c.heartbeatsPerSec, 99 * (1000 / constants.heartbeatIntervalMs));
  assert.equal(c.bytesPerSec, c.heartbeatsPerSec * constants.heartbeatFrameBytes);
  assert.equal(c.clusterBytesPerSec, 100 * c.bytesPerSec);
});

test('full-mesh cost grows with every node added, the cluster total as N(N−1)', () => {
  for (let n = 3; n < 500; n++) {
    const a = fullMeshCost(n, constants);
    const b = fullMeshCost(n + 1, constants);
    assert.ok(b.bytesPerSec > a.bytesPerSec && b.cpu > a.cpu, `N=${n}`);
    assert.ok(Math.abs(a.clusterBytesPerSec / (n * (n - 1)) - 140) < 1e-9, `N=${n}`);
  }
});

test('a partial view never costs more than the full mesh and grows far slower', () => {
  for (let n = 3; n <= 100_000; n = Math.ceil(n * 1.3)) {
    const active = activeViewSize(n);
    assert.ok(active <= n - 1 && active >= 1, `N=${n}`);
    assert.ok(partialViewCost(n, constants).links <= fullMeshCost(n, constants).links, `N=${n}`);
    assert.ok(activeViewSize(n + 1) >= active, `active view shrank at N=${n}`);
  }
  assert.ok(
    partialViewCost(10_000, constants).bytesPerSec * 100 < fullMeshCost(10_000, constants).bytesPerSec,
  );
});

test('the first N over a budget, found by walking N, is the closed form', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 0.005, noNaN: true }),
      fc.double({ min: 1e-6, max: 0.01, noNaN: true }),
      fc.double({ min: 0.006, max: 0.05, noNaN: true }),
      (base, perPeer, budget) => {
        const cost = { base, perPeer };
        const n = crossing(cost, budget);
        assert.ok(n !== undefined);
        assert.equal(n, crossingFormula(cost, budget));
        assert.ok(base + perPeer * (n - 1) > budget);
        assert.ok(n === 2 || base + perPeer * (n - 2) <= budget);
      },
    ),
    { seed, numRuns: 200 },
  );
});

test('the closed form agrees with the walk where the budget is a whole number of peers away', () => {
  // Found by the property above: the quotient 4.999… rounded one peer short of the walk's answer.
  const cost = { base: 0, perPeer: 0.009999999999999992 };
  assert.equal(crossingFormula(cost, 0.049999999999999954), crossing(cost, 0.049999999999999954));
  for (let k = 1; k < 200; k++) {
    const c = { base: 0.001, perPeer: 0.001 / k };
    assert.equal(crossingFormula(c, 0.01), crossing(c, 0.01), `perPeer=${c.perPeer}`);
  }
});

test('heartbeat bytes cross 1 Mbit/s where 140 B/s per peer says', () => {
  // 10 heartbeats a second of 14 bytes: 140 B/s per peer; 125 000 / 140 = 892.9 peers.
  assert.equal(crossing(linearBytes(constants), 125_000), 894);
});

test('a least-squares fit recovers the line it was given', () => {
  const fit = fitLine([3, 10, 25, 50, 100].map((x) => ({ x, y: 0.002 + 0.00015 * x })));
  assert.ok(Math.abs(fit.intercept - 0.002) < 1e-12);
  assert.ok(Math.abs(fit.slope - 0.00015) < 1e-12);
});

test('CPU per peer is the CPU of the heartbeats one peer costs, whatever share of them was sent', () => {
  const perHeartbeat = 10e-6; // 10 µs of a core-second
  const perNode = 0.002;
  // One process running n nodes, in a loaded run: each node sent only part of its heartbeats.
  const points = [
    { n: 3, share: 1 },
    { n: 25, share: 0.9 },
    { n: 100, share: 0.25 },
  ].map(({ n, share }) => {
    const heartbeatsPerSec = n * (n - 1) * 10 * share;
    return { nodes: n, heartbeatsPerSec, cpu: perNode * n + perHeartbeat * heartbeatsPerSec };
  });
  const cpu = cpuPerPeer(points, 100);
  assert.ok(Math.abs(cpu.base - perNode) < 1e-12);
  assert.ok(Math.abs(cpu.perPeer - perHeartbeat * 10) < 1e-12);
  // One node per process (TCP): two sizes determine both figures.
  const tcp = cpuPerPeer(
    [2, 9].map((peers) => ({
      nodes: 1,
      heartbeatsPerSec: peers * 10,
      cpu: perNode + perHeartbeat * peers * 10,
    })),
    100,
  );
  assert.ok(Math.abs(tcp.base - perNode) < 1e-12 && Math.abs(tcp.perPeer - perHeartbeat * 10) < 1e-12);
  assert.ok(Number.isNaN(cpuPerPeer([{ nodes: 1, heartbeatsPerSec: 20, cpu: 0.01 }], 100).perPeer));
});

test('the partial-view overlay is connected, within its view size, and shallow', () => {
  for (const n of [10, 100, 1000, 10_000]) {
    const o = simulatePartialView(n, { seed });
    assert.ok(o.connected, `SCALING_SEED=${seed} N=${n}: overlay not connected`);
    assert.ok(o.maxActive <= o.active, `SCALING_SEED=${seed} N=${n}: a view of ${o.maxActive}`);
    // Depth of a random graph of degree d is about ln N / ln(d − 1); twice that is generous.
    assert.ok(
      o.hops <= 2 * Math.ceil(Math.log(n) / Math.log(Math.max(2, o.active - 1))) + 1,
      `N=${n}: ${o.hops} hops`,
    );
  }
});

test('the overlay simulation replays: one seed, one overlay', () => {
  assert.deepEqual(simulatePartialView(500, { seed }), simulatePartialView(500, { seed }));
});
