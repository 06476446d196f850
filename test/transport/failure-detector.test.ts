// The pure phi-accrual detector, driven by synthetic arrival times. Randomized tests use a
// seeded PRNG and print the seed on failure; replay with FD_SEED=<seed>.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ArrivalWindow, phi } from '../../packages/runtime/src/cluster/failure-detector/phi.ts';
import { PhiAccrualDetector } from '../../packages/runtime/src/cluster/failure-detector/detector.ts';
import type { FailureDetectorOptions } from '../../packages/runtime/src/cluster/failure-detector/detector.ts';
import { seededRandom } from '../../packages/runtime/src/testing/conformance/transport.ts';

const seed = Number(process.env['FD_SEED'] ?? Date.now() % 1_000_000);
const fcParams = process.env['FC_SEED'] ? { seed: Number(process.env['FC_SEED']) } : {};

/** Exact upper tail of the standard normal by Simpson integration (slow, for checking only). */
function normalTail(z: number): number {
  const upper = z + 12;
  const steps = 20_000;
  const h = (upper - z) / steps;
  const pdf = (x: number) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  let sum = pdf(z) + pdf(upper);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * pdf(z + i * h);
  return (sum * h) / 3;
}

/**
 * Simulates one observer's detector against peers that heartbeat every `interval` ms with timer
 * lateness and network jitter. `silentAt` (per peer) stops a peer; `stalls` are [start, length]
 * windows during which the observer's event loop runs nothing (inputs queue up and arrive
 * together at the end). Returns the down events with their times.
 */
function simulate(options: {
  random: () => number;
  peers: number;
  durationMs: number;
  silentAt?: ReadonlyMap<number, number>;
  stalls?: ReadonlyArray<readonly [number, number]>;
  peerStalls?: ReadonlyArray<readonly [number, number, number]>;
  interval?: number;
  detector?: FailureDetectorOptions;
  jitterMs?: number;
}): Array<{ peer: string; at: number }> {
  const { random, peers, durationMs } = options;
  const interval = options.interval ?? 100;
  const jitter = options.jitterMs ?? 10;
  const detector = new PhiAccrualDetector(options.detector);
  type Input = { at: number; kind: 'tick' } | { at: number; kind: 'hb'; peer: string };
  const inputs: Input[] = [];
  for (let t = 50; t < durationMs; t += 50) inputs.push({ at: t + random() * 5, kind: 'tick' });
  for (let p = 0; p < peers; p++) {
    const silentAt = options.silentAt?.get(p) ?? Infinity;
    let sent = random() * interval;
    while (sent < Math.min(durationMs, silentAt)) {
      let at = sent + 0.2 + random() * 1.5 + (random() < 0.01 ? random() * 30 : 0);
      for (const [peer, start, length] of options.peerStalls ?? []) {
        if (peer === p && sent >= start && sent < start + length) at = start + length + random();
      }
      inputs.push({ at, kind: 'hb', peer: `p${p}` });
      sent += interval + random() * jitter;
    }
  }
  // Our own stalls: nothing runs inside them; what was due runs at the end, timers first (Node
  // runs expired timers before it polls sockets), then the queued heartbeats.
  for (const input of inputs) {
    for (const [start, length] of options.stalls ?? []) {
      if (input.at >= start && input.at < start + length)
        input.at = start + length + (input.kind === 'tick' ? 0.5 : 1);
    }
  }
  inputs.sort((a, b) => a.at - b.at);
  for (let p = 0; p < peers; p++) detector.add(`p${p}`, 0);
  const downs: Array<{ peer: string; at: number }> = [];
  for (const input of inputs) {
    if (input.kind === 'hb') detector.heartbeat(input.peer, input.at);
    else for (const event of detector.tick(input.at)) downs.push({ peer: event.peer, at: input.at });
  }
  return downs;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe('phi', () => {
  it('is log10(2) at the mean and grows with the silence', () => {
    assert.ok(Math.abs(phi(100, 100, 10) - Math.log10(2)) < 1e-12);
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 5000, noNaN: true }),
        fc.double({ min: 0, max: 5000, noNaN: true }),
        (a, b) => {
          const [low, high] = a < b ? [a, b] : [b, a];
          assert.ok(phi(low, 700, 100) <= phi(high, 700, 100));
        },
      ),
      fcParams,
    );
  });

  it('is the exact normal φ to within 0.05 up to φ ≈ 3, and above it never lower nor more than 1 higher up to the threshold', () => {
    for (const z of [0, 0.5, 1, 1.5, 2, 2.5, 3]) {
      const exact = -Math.log10(normalTail(z));
      const approximate = phi(z * 100 + 700, 700, 100);
      assert.ok(Math.abs(exact - approximate) < 0.05, `z=${z}: exact ${exact}, approximate ${approximate}`);
    }
    for (const z of [3.5, 4, 4.5, 5, 5.22]) {
      const exact = -Math.log10(normalTail(z));
      const approximate = phi(z * 100 + 700, 700, 100);
      assert.ok(
        approximate >= exact && approximate - exact < 1,
        `z=${z}: exact ${exact}, approximate ${approximate}`,
      );
    }
  });

  it('stays finite for absurd silences', () => {
    assert.ok(Number.isFinite(phi(1e9, 100, 1)));
    assert.equal(phi(-1e9, 100, 1), 0);
  });
});

describe('arrival window', () => {
  it('keeps the mean and standard deviation of the last `capacity` samples', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { maxLength: 300 }), (samples) => {
        const window = new ArrivalWindow(50, 100);
        for (const s of samples) window.add(s);
        const kept = [75, 125, ...samples].slice(-50);
        const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
        const sd = Math.sqrt(kept.reduce((a, b) => a + (b - mean) ** 2, 0) / kept.length);
        assert.ok(Math.abs(window.mean - mean) < 1e-6);
        assert.ok(Math.abs(window.stdDev - sd) < 1e-4);
      }),
      fcParams,
    );
  });
});

describe('phi-accrual detector', () => {
  it('never suspects peers that keep heartbeating with ordinary jitter (60 s, 3 peers)', () => {
    const downs = simulate({ random: seededRandom(seed), peers: 3, durationMs: 60_000, jitterMs: 20 });
    assert.deepEqual(downs, [], `seed ${seed}`);
  });

  it('declares a silent peer down 1.0–1.5 s after its last heartbeat with the defaults', () => {
    const detector = new PhiAccrualDetector();
    detector.add('p', 0);
    let t = 0;
    for (; t <= 10_000; t += 100) {
      detector.heartbeat('p', t);
      detector.tick(t);
      detector.tick(t + 50);
    }
    const last = t - 100;
    let downAt: number | undefined;
    for (let now = last + 50; downAt === undefined && now < last + 5000; now += 50) {
      if (detector.tick(now).length > 0) downAt = now;
    }
    assert.ok(downAt !== undefined);
    const after = downAt - last;
    assert.ok(after >= 1000 && after <= 1500, `declared down ${after} ms after the last heartbeat`);
  });

  it('declares a silent peer down within 2 s at p99 (3 nodes: both observers must notice)', (t) => {
    const random = seededRandom(seed);
    const latencies: number[] = [];
    for (let trial = 0; trial < 1000; trial++) {
      const silentAt = 5000 + random() * 1000;
      // Two observers (the other two nodes of three) watch the victim independently.
      const noticed = [0, 1].map(() => {
        const downs = simulate({ random, peers: 2, durationMs: 9000, silentAt: new Map([[0, silentAt]]) });
        assert.ok(
          downs.every((d) => d.peer === 'p0'),
          `a healthy peer was suspected (seed ${seed}, trial ${trial})`,
        );
        return downs.find((d) => d.peer === 'p0')?.at ?? Infinity;
      });
      latencies.push(Math.max(...noticed) - silentAt);
    }
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const max = Math.max(...latencies);
    t.diagnostic(
      `detection after silence: p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${max.toFixed(0)} ms`,
    );
    assert.ok(
      p99 < 2000,
      `p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${max.toFixed(0)} ms (seed ${seed})`,
    );
    assert.ok(p50 > 900, `suspiciously fast: p50 ${p50.toFixed(0)} ms (seed ${seed})`);
  });

  it('still finds a silent peer within 2 s at p99 while its own loop keeps stalling under CPU starvation', (t) => {
    const random = seededRandom(seed);
    const latencies: number[] = [];
    for (let trial = 0; trial < 300; trial++) {
      const stalls: Array<[number, number]> = [];
      for (let at = 1000 + random() * 500; at < 9000; at += 400 + random() * 400)
        stalls.push([at, 210 + random() * 100]);
      const silentAt = 5000 + random() * 1000;
      const downs = simulate({
        random,
        peers: 2,
        durationMs: 9000,
        silentAt: new Map([[0, silentAt]]),
        stalls,
      });
      assert.deepEqual(
        downs.map((d) => d.peer),
        ['p0'],
        `seed ${seed}, trial ${trial}`,
      );
      latencies.push(downs[0]!.at - silentAt);
    }
    const p99 = percentile(latencies, 99);
    t.diagnostic(
      `detection while starved: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms`,
    );
    assert.ok(p99 < 2000, `p99 ${p99.toFixed(0)} ms (seed ${seed})`);
  });

  it('does not suspect healthy peers when its own event loop stalls for 250 ms', () => {
    const random = seededRandom(seed);
    for (let trial = 0; trial < 200; trial++) {
      const start = 3000 + random() * 2000;
      const downs = simulate({ random, peers: 2, durationMs: 8000, stalls: [[start, 250]] });
      assert.deepEqual(downs, [], `seed ${seed}, trial ${trial}`);
    }
  });

  it('does not suspect healthy peers after its own 5 s stall, which without stall detection it would', () => {
    const stalls = [[4000, 5000]] as const;
    const downs = simulate({ random: seededRandom(seed), peers: 2, durationMs: 12_000, stalls });
    assert.deepEqual(downs, [], `seed ${seed}`);
    const blind = simulate({
      random: seededRandom(seed),
      peers: 2,
      durationMs: 12_000,
      stalls,
      detector: { stallThresholdMs: 60_000 },
    });
    assert.equal(blind.length, 2, `the control run should have accused both peers (seed ${seed})`);
  });

  it('finds a peer that died before its own stall one tick after waking', () => {
    const downs = simulate({
      random: seededRandom(seed),
      peers: 2,
      durationMs: 10_000,
      silentAt: new Map([[1, 3500]]),
      stalls: [[4000, 2000]],
    });
    assert.deepEqual(
      downs.map((d) => d.peer),
      ['p1'],
      `seed ${seed}`,
    );
    const after = downs[0]!.at - 6000;
    assert.ok(after >= 50 && after < 150, `found ${after} ms after waking (seed ${seed})`);
  });

  it('finds a peer whose last heartbeat was queued during its own stall one detection time after waking', () => {
    const downs = simulate({
      random: seededRandom(seed),
      peers: 2,
      durationMs: 10_000,
      silentAt: new Map([[1, 4500]]),
      stalls: [[4000, 2000]],
    });
    assert.deepEqual(
      downs.map((d) => d.peer),
      ['p1'],
      `seed ${seed}`,
    );
    const after = downs[0]!.at - 6000;
    assert.ok(after > 1000 && after < 1500, `found ${after} ms after waking (seed ${seed})`);
  });

  it('tolerates a peer whose own loop stalls for 250 ms', () => {
    const random = seededRandom(seed);
    for (let trial = 0; trial < 200; trial++) {
      const start = 3000 + random() * 2000;
      const downs = simulate({ random, peers: 2, durationMs: 8000, peerStalls: [[0, start, 250]] });
      assert.deepEqual(downs, [], `seed ${seed}, trial ${trial}`);
    }
  });

  it('adapts to a peer that heartbeats more slowly than expected', () => {
    const downs = simulate({
      random: seededRandom(seed),
      peers: 1,
      durationMs: 30_000,
      interval: 400,
      jitterMs: 50,
    });
    assert.deepEqual(downs, [], `seed ${seed}`);
  });

  it('reports a down peer up again when it speaks, and forgets removed peers', () => {
    const detector = new PhiAccrualDetector();
    detector.add('p', 0);
    for (let t = 50; t <= 3000; t += 50) detector.tick(t);
    assert.equal(detector.status('p'), 'down');
    assert.deepEqual(detector.heartbeat('p', 3010), { peer: 'p', status: 'up', phi: 0, silenceMs: 0 });
    assert.equal(detector.status('p'), 'up');
    detector.remove('p');
    assert.equal(detector.heartbeat('p', 3020), undefined);
    assert.equal(detector.has('p'), false);
  });

  it('counts other traffic as a sign of life without taking it as a heartbeat sample', () => {
    const detector = new PhiAccrualDetector();
    detector.add('p', 0);
    for (let t = 100; t <= 1000; t += 100) detector.heartbeat('p', t);
    // Heartbeats stop at 1000; data keeps arriving every 50 ms until 3000.
    for (let t = 1050; t <= 3000; t += 50) {
      detector.touch('p', t);
      assert.deepEqual(detector.tick(t), [], `declared down at ${t} while data was arriving`);
    }
    assert.equal(detector.silence('p', 3000), 0);
    // The touches took no samples (the window holds the 100 ms heartbeat intervals only), so once
    // everything stops the peer is judged by the usual rule: down 1.0–1.5 s later.
    let downAt: number | undefined;
    for (let t = 3050; t <= 6000 && downAt === undefined; t += 50) {
      if (detector.tick(t).length > 0) downAt = t;
    }
    assert.ok(downAt !== undefined && downAt - 3000 >= 1000 && downAt - 3000 <= 1500, `down at ${downAt}`);
    assert.deepEqual(detector.touch('p', 6100), { peer: 'p', status: 'up', phi: 0, silenceMs: 0 });
  });

  it('takes no sample from a heartbeat that follows other traffic (a peer leaves heartbeats out while it sends data)', () => {
    const detector = new PhiAccrualDetector();
    detector.add('p', 0);
    for (let t = 100; t <= 1000; t += 100) detector.heartbeat('p', t);
    for (let t = 1050; t <= 9000; t += 50) detector.touch('p', t);
    // The first heartbeat after 8 s of data, then heartbeats as usual until 10 000.
    for (let t = 9100; t <= 10_000; t += 100) detector.heartbeat('p', t);
    // The 8.1 s since the heartbeat before is no interval of the peer's: had it been sampled
    // (mean ~480 ms, standard deviation ~1.7 s), a silence would be found only after ~8 s.
    let downAt: number | undefined;
    for (let t = 10_050; t <= 16_000 && downAt === undefined; t += 50) {
      if (detector.tick(t).length > 0) downAt = t;
    }
    assert.ok(
      downAt !== undefined && downAt - 10_000 >= 1000 && downAt - 10_000 <= 1500,
      `down at ${downAt}`,
    );
  });

  it('counts its own stalls and how long they lasted beyond a tick', () => {
    const detector = new PhiAccrualDetector();
    detector.tick(0);
    detector.tick(50);
    detector.tick(400);
    assert.equal(detector.stalls, 1);
    assert.equal(detector.stalledMs, 300);
  });

  it('rejects nonsensical options', () => {
    assert.throws(() => new PhiAccrualDetector({ threshold: 0 }), RangeError);
    assert.throws(() => new PhiAccrualDetector({ heartbeatIntervalMs: Number.NaN }), RangeError);
  });
});
