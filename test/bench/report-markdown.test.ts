import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRatio, ratioToPeer } from '../../bench/lib/table.ts';
import { machineLine, renderReport, renderRows } from '../../bench/report/markdown.ts';
import { ACTOR_ROWS, record } from './report-fixtures.ts';

const tableLines = (md: string): string[] => md.split('\n').filter((l) => l.startsWith('|'));

test('the ratio is ours divided by the peer, and there is none without a finite non-zero peer figure', () => {
  assert.equal(ratioToPeer({ name: 'a', value: 3, unit: 'x', peer: 'p', peerValue: 2 }), 1.5);
  assert.equal(ratioToPeer({ name: 'a', value: 3, unit: 'x' }), undefined);
  assert.equal(ratioToPeer({ name: 'a', value: 3, unit: 'x', peer: 'p', peerValue: 0 }), undefined);
  assert.equal(ratioToPeer({ name: 'a', value: 3, unit: 'x', peer: 'p', peerValue: Number.NaN }), undefined);
  assert.equal(ratioToPeer({ name: 'a', value: Number.NaN, unit: 'x', peer: 'p', peerValue: 2 }), undefined);
});

test('a ratio far below one keeps two significant digits instead of reading 0.00×', () => {
  assert.equal(formatRatio(1.4 / 4558), '0.00031×');
  assert.equal(formatRatio(0.25), '0.25×');
  assert.equal(formatRatio(70.94), '70.94×');
});

test('the table has a header, a separator and one line per row, with the ratio and which way is better', () => {
  const lines = tableLines(renderRows(ACTOR_ROWS));
  assert.equal(lines.length, 2 + ACTOR_ROWS.length);
  assert.match(lines[0]!, /\| measure \| ours \| unit \| peer \| peer value \| ours ÷ peer \|/);
  assert.equal(
    lines[2],
    '| sequential call p50 | 0.500 | µs | Erlang/OTP gen_server | 2 | 0.25× (lower is better) |',
  );
  assert.equal(
    lines[3],
    '| sequential calls | 1,500,000 | calls/s | Erlang/OTP gen_server | 600,000 | 2.50× (higher is better) |',
  );
  assert.equal(lines[5], '| memory per idle actor (1M) | 640 | bytes |  |  |  |');
});

test('a table without peers has no peer columns; a figure not measured shows a dash; pipes are escaped', () => {
  const lines = tableLines(
    renderRows([
      { name: 'crdt: not available in this build', value: Number.NaN, unit: '' },
      { name: 'a | b', value: 12.345, unit: 'ms' },
      { name: 'keeps up (1 = yes)', value: 0, unit: 'bool' },
    ]),
  );
  assert.equal(lines[4], '| keeps up (1 = yes) | no | bool |');
  assert.equal(lines[0], '| measure | value | unit |');
  assert.equal(lines[2], '| crdt: not available in this build | — |  |');
  assert.equal(lines[3], '| a \\| b | 12.35 | ms |');
  assert.equal(
    renderRows([{ name: 'probes failed', value: 0, unit: 'probes' }]).split('\n')[2],
    '| probes failed | 0 | probes |',
  );
});

test('the machine line gives the command, cores, model, load average at start and end, Node and the peers', () => {
  const line = machineLine(record('actor', ACTOR_ROWS));
  assert.match(line, /`npm run bench -- actor --quick --report` — 2026-12-06 07:05 UTC, 43 s\./);
  assert.match(line, /2 cores \(Test CPU @ 2\.0GHz\)/);
  assert.match(line, /load average 1\.50 → 2\.25/);
  assert.match(line, /Node v20\.20\.2/);
  assert.match(line, /Erlang\/OTP 25 \(erts 13\.1\.5\), etcd 3\.4\.30/);
});

test('the page has the introduction, then the suites in the given order, others after by name', () => {
  const { markdown } = renderReport({
    records: [record('zeta', []), record('cluster', []), record('actor', ACTOR_ROWS), record('alpha', [])],
    descriptions: new Map([['actor', 'Local actors in one process.']]),
    order: ['actor', 'cluster'],
  });
  assert.ok(markdown.startsWith('# Benchmarks\n'));
  assert.match(markdown, /npm run bench -- all --quick --report/);
  const headings = markdown.split('\n').filter((l) => l.startsWith('## '));
  assert.deepEqual(headings, ['## actor', '## cluster', '## alpha', '## zeta']);
  const actor = markdown.slice(markdown.indexOf('## actor'), markdown.indexOf('## cluster'));
  assert.match(actor, /Local actors in one process\./);
  assert.match(actor, /\| sequential calls \| 1,500,000 \|/);
  assert.match(actor, /!\[actor: ours ÷ the peer, per row\]\(images\/bench-actor\.svg\)/);
});

test('every suite has its own figures: a section shows its record and no other', () => {
  const { markdown } = renderReport({
    records: [
      record('actor', ACTOR_ROWS),
      record('placement', [{ name: 'children started per second, 1k', value: 2000, unit: '/s' }]),
    ],
    descriptions: new Map(),
    order: ['actor', 'placement'],
  });
  const placement = markdown.slice(markdown.indexOf('## placement'));
  assert.match(placement, /children started per second, 1k \| 2,000/);
  assert.doesNotMatch(placement, /sequential calls/);
  assert.doesNotMatch(placement, /bench-placement\.svg/, 'no peer rows: no ratio chart');
});

test('a failed run is shown as failed, with its message and no table', () => {
  const { markdown, images } = renderReport({
    records: [record('raft', [], { failure: 'etcd did not start' })],
    descriptions: new Map(),
    order: [],
  });
  assert.match(markdown, /\*\*The last run failed:\*\* etcd did not start/);
  assert.match(markdown, /\| \[raft\]\(#raft\) \| 2026-12-06 07:05 UTC \| failed \|/);
  assert.equal(images.size, 0);
});
