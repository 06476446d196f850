/**
 * The recovery bench's timeline (bench/placement/timeline.ts): copies of each child over time from
 * start/stop events and process marks, recovery time and unhosted/duplicated child-seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recoveryOf } from '../../bench/placement/timeline.ts';
import type { ChildEvent } from '../../bench/placement/cluster.ts';

const ev = (node: string, key: string, running: boolean, t: number): ChildEvent => ({
  node,
  key,
  running,
  t,
});

test('a killed node’s children are unhosted until they start elsewhere; recovery counts from the kill', () => {
  const r = recoveryOf({
    keys: ['a', 'b'],
    start: new Map([
      ['n1', new Set(['a'])],
      ['n2', new Set(['b'])],
    ]),
    active: new Set(['n1', 'n2']),
    events: [ev('n1', 'b', true, 1300)],
    marks: [{ node: 'n2', kind: 'down', t: 1000 }],
    window: { start: 1000, end: 1000, until: 5000 },
  });
  assert.equal(r.recoveredMs, 300);
  assert.equal(r.unhostedChildSec, 0.3);
  assert.equal(r.duplicatedChildSec, 0);
  assert.equal(r.wrongAtEnd, 0);
});

test('a frozen node’s children count as not running; its stale copies after the thaw as duplicates', () => {
  const r = recoveryOf({
    keys: ['a'],
    start: new Map([['n2', new Set(['a'])]]),
    active: new Set(['n1', 'n2']),
    events: [ev('n1', 'a', true, 1200), ev('n2', 'a', false, 3100)],
    marks: [
      { node: 'n2', kind: 'freeze', t: 0 },
      { node: 'n2', kind: 'thaw', t: 3000 },
    ],
    window: { start: 0, end: 3000, until: 9000 },
  });
  assert.equal(r.unhostedChildSec, 1.2);
  assert.ok(Math.abs(r.duplicatedChildSec - 0.1) < 1e-9);
  assert.equal(r.recoveredMs, 100);
});

test('a child still missing at the end is reported, and the fault as not recovered', () => {
  const r = recoveryOf({
    keys: ['a', 'b'],
    start: new Map([['n1', new Set(['a', 'b'])]]),
    active: new Set(['n1']),
    events: [ev('n1', 'b', false, 500)],
    marks: [],
    window: { start: 0, end: 100, until: 1500 },
  });
  assert.ok(Number.isNaN(r.recoveredMs));
  assert.equal(r.wrongAtEnd, 1);
  assert.equal(r.unhostedChildSec, 1);
});
