// The scaling chart: a self-contained SVG whose points sit on log axes, without the points a log
// axis cannot show.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineChart, logTicks } from '../../bench/scaling/chart.ts';

test('log ticks are the powers of ten across a wide range, 1-2-5 steps across a short one', () => {
  assert.deepEqual(logTicks(1, 1000), [1, 10, 100, 1000]);
  assert.deepEqual(logTicks(10, 100), [10, 20, 50, 100]);
});

test('each series is one path through its usable points, and its name is in the legend', () => {
  const svg = lineChart({
    title: 'a <title>',
    xLabel: 'nodes',
    panels: [
      {
        title: 'bytes',
        yLabel: 'B/s',
        series: [
          {
            name: 'measured',
            points: [
              { x: 3, y: 280 },
              { x: 10, y: 1260 },
              { x: 25, y: Number.NaN },
            ],
          },
          {
            name: 'model',
            dashed: true,
            points: [
              { x: 3, y: 280 },
              { x: 100, y: 0 },
            ],
          },
        ],
      },
    ],
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  const paths = [...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]!);
  assert.equal(paths.length, 2);
  assert.equal(paths[0]!.split(' ').length, 2, 'NaN left out');
  assert.equal(paths[1]!.split(' ').length, 1, 'zero left out of a log axis');
  assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 2, 'the model line and its legend entry');
  assert.ok(svg.includes('a &lt;title&gt;'));
  assert.ok(svg.includes('>measured<') && svg.includes('>model<'));
});
