import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stageResults } from '../../bench/dispatch/report.ts';
import type { RunSummary } from '../../bench/dispatch/summary.ts';
import type { BenchResult } from '../../bench/lib/types.ts';
import { ratioBars, ratioChart } from '../../bench/report/ratio-chart.ts';
import { sweepChart, sweepPanels } from '../../bench/report/sweep-chart.ts';
import { ACTOR_ROWS } from './report-fixtures.ts';

const count = (svg: string, pattern: RegExp): number => svg.match(pattern)?.length ?? 0;

test('the ratio chart has one bar per row measured on a peer, and none for the others', () => {
  const svg = ratioChart('actor', ACTOR_ROWS);
  assert.ok(svg !== undefined);
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.equal(count(svg, /class="bar"/g), 3);
  assert.doesNotMatch(svg, /memory per idle actor/);
});

test('a bar is green where ours did better and red where the peer did, as the row says which way is better', () => {
  const bars = ratioBars(ACTOR_ROWS);
  assert.deepEqual(
    bars.map((b) => [b.name, b.ratio, b.better]),
    [
      ['sequential call p50', 0.25, true],
      ['sequential calls', 2.5, true],
      ['casts processed', 0.25, false],
    ],
  );
  const svg = ratioChart('actor', ACTOR_ROWS)!;
  const fills = [...svg.matchAll(/class="bar"[^>]*fill="(#[0-9a-f]+)"/g)].map((m) => m[1]);
  assert.equal(fills[0], fills[1]);
  assert.notEqual(fills[1], fills[2]);
});

test('the 1.0× line sits between a bar below it and a bar above it', () => {
  const svg = ratioChart('actor', ACTOR_ROWS)!;
  const one = Number(svg.match(/<line x1="([\d.]+)"[^>]*stroke="#333"/)?.[1]);
  const rects = [...svg.matchAll(/class="bar" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => ({
    x: Number(m[1]),
    w: Number(m[2]),
  }));
  assert.ok(Math.abs(rects[0]!.x + rects[0]!.w - one) < 0.2, 'ratio < 1 ends at the line');
  assert.ok(Math.abs(rects[1]!.x - one) < 0.2, 'ratio > 1 starts at the line');
});

test('no ratio chart without a peer row; text in the chart is escaped', () => {
  assert.equal(ratioChart('page', [{ name: 'frames/s', value: 60, unit: '/s' }]), undefined);
  const svg = ratioChart('x', [{ name: 'a < b & c', value: 1, unit: 'ms', peer: 'p<q>', peerValue: 2 }])!;
  assert.match(svg, /a &lt; b &amp; c/);
  assert.match(svg, /p&lt;q&gt;/);
  assert.doesNotMatch(svg, /a < b/);
});

function summary(heroes: number, cpuCores: number, achieved: number): RunSummary {
  const due = heroes / 4 + 1.2;
  const node = (name: string) => ({ name, cpuCores, rssMaxBytes: 200 * 1024 * 1024, loopLagP99MaxMs: 5 });
  return {
    seconds: 20,
    meanLive: heroes,
    writesPerSec: achieved,
    loopWritesPerSec: achieved - 10,
    unchangedPerSec: 10,
    batchesPerSec: 100,
    dueWritesPerSec: due,
    keepUpRatio: achieved / due,
    minWindowRatio: achieved / due,
    writeP50Ms: 2,
    writeP99Ms: 9,
    eventLagP50Ms: 3,
    eventLagP99Ms: 8,
    probeEventP50Ms: 3,
    probeEventP99Ms: 8,
    probeApiP50Ms: 3,
    probeApiP99Ms: 8,
    probes: 100,
    probesLost: 0,
    earlyLagP99Ms: 8,
    lateLagP99Ms: 8,
    latencyGrowing: false,
    keepsUp: achieved / due >= 0.95,
    reasons: [],
    nodes: [node('gotham'), node('metropolis'), node('capitol')],
    benchCpuCores: 0.2,
    cpuMsPerWrite: 0.4,
  };
}

function sweepRows(): BenchResult[] {
  return [
    [1000, 0.15, 250],
    [5000, 0.3, 1250],
    [10_000, 0.45, 2500],
    [25_000, 0.75, 4000],
  ].flatMap(([heroes, cpu, achieved]) =>
    stageResults(`raft ${heroes} heroes`, summary(heroes!, cpu!, achieved!), {
      createdPerSec: 200,
      loadAverage: 1,
      plot: { store: 'raft', heroes: heroes! },
    }),
  );
}

test('a dispatch stage puts CPU per node and loop steps achieved and due on the chart against heroes', () => {
  const plotted = sweepRows().filter((r) => r.plot !== undefined && r.plot.x === 25_000);
  assert.deepEqual(
    plotted.map((r) => [r.plot!.series, r.value, r.unit, r.plot!.reference === true]),
    [
      ['raft: heroes asked for', 25_000, 'heroes', true],
      ['raft: heroes alive (mean)', 25_000, 'heroes', false],
      ['raft: loop steps due', 6251.2, 'steps/s', true],
      ['raft: loop steps achieved', 4000, 'steps/s', false],
      ['raft: CPU per node (mean)', 75, '% of a core', false],
    ],
  );
  const unplotted = stageResults('raft 1,000 heroes', summary(1000, 0.1, 250), {
    createdPerSec: 1,
    loadAverage: 1,
  });
  assert.ok(
    unplotted.every((r) => r.plot === undefined),
    'no plot asked for: no points',
  );
});

test('the sweep chart has a panel per unit and a line per series, with a point per population', () => {
  const rows = sweepRows();
  const panels = sweepPanels(rows);
  const all = [1000, 5000, 10_000, 25_000];
  assert.deepEqual(
    panels.map((p) => [
      p.title,
      p.series.map((s) => [s.name, s.points.map((pt) => pt.x), s.dashed === true]),
    ]),
    [
      [
        'heroes',
        [
          ['raft: heroes asked for', all, true],
          ['raft: heroes alive (mean)', all, false],
        ],
      ],
      [
        'steps/s',
        [
          ['raft: loop steps due', all, true],
          ['raft: loop steps achieved', all, false],
        ],
      ],
      ['% of a core', [['raft: CPU per node (mean)', all, false]]],
    ],
  );
  const svg = sweepChart('dispatch-sweep', rows)!;
  assert.equal(count(svg, /<path /g), 5);
  assert.equal(count(svg, /<circle /g), 20);
  assert.match(svg, /heroes/);
  assert.equal(sweepChart('actor', ACTOR_ROWS), undefined);
  const onePopulation = rows.filter((r) => r.name.startsWith('raft 1000 heroes'));
  assert.equal(sweepChart('dispatch', onePopulation), undefined, 'one population: no sweep to draw');
});
