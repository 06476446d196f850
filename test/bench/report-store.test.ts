import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchRecordError, parseRecord, serializeRecord } from '../../bench/report/record.ts';
import { regenerate, storeRecord, type ReportPaths } from '../../bench/report/write.ts';
import { ACTOR_ROWS, record } from './report-fixtures.ts';

function scratch(): { paths: ReportPaths; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'bench-report-'));
  const paths: ReportPaths = {
    resultsDir: join(root, 'results'),
    descriptionsDir: join(root, 'descriptions'),
    page: join(root, 'benchmarks.md'),
    imagesDir: join(root, 'images'),
  };
  return { paths, done: () => rmSync(root, { recursive: true, force: true }) };
}

test('a record survives storing and reading back, a figure not measured included', () => {
  const r = record('dispatch', [
    { name: 'crdt: not available in this build', value: Number.NaN, unit: '' },
    {
      name: 'raft 1,000 heroes: CPU per node (mean)',
      value: 15,
      unit: '% of a core',
      plot: { series: 'raft: CPU', x: 1000, xLabel: 'heroes' },
    },
    ...ACTOR_ROWS,
  ]);
  const text = serializeRecord(r);
  assert.match(text, /"value": null/);
  const back = parseRecord(text, 'dispatch.json');
  assert.ok(Number.isNaN(back.rows[0]!.value));
  assert.deepEqual(back.rows.slice(1), r.rows.slice(1));
  assert.deepEqual(back.machine, r.machine);
});

test('a malformed record is refused with a coded error naming the file', () => {
  assert.throws(
    () => parseRecord('{"suite": "actor"}', 'actor.json'),
    (err: unknown) =>
      err instanceof BenchRecordError &&
      err.code === 'bench_record_invalid' &&
      /actor\.json/.test(err.message),
  );
  assert.throws(() => parseRecord('not json', 'x.json'), BenchRecordError);
});

test('storing one suite and regenerating keeps the other suites sections', async () => {
  const { paths, done } = scratch();
  try {
    await storeRecord(
      paths,
      record('placement', [{ name: 'children started per second, 1k', value: 2000, unit: '/s' }]),
    );
    regenerate(paths);
    await storeRecord(paths, record('actor', ACTOR_ROWS));
    regenerate(paths);
    const page = readFileSync(paths.page, 'utf8');
    assert.match(page, /## actor/);
    assert.match(page, /## placement/);
    assert.match(page, /children started per second, 1k \| 2,000/);
    assert.ok(
      page.indexOf('## actor') < page.indexOf('## placement'),
      'the suites keep the order of bench/suites.ts',
    );
    assert.ok(existsSync(join(paths.imagesDir, 'bench-actor.svg')));

    // A new actor run replaces only the actor section.
    await storeRecord(paths, record('actor', [{ ...ACTOR_ROWS[1]!, value: 1_234_567 }]));
    regenerate(paths);
    const again = readFileSync(paths.page, 'utf8');
    assert.match(again, /1,234,567/);
    assert.doesNotMatch(again, /1,500,000/);
    assert.match(again, /children started per second, 1k \| 2,000/);
  } finally {
    done();
  }
});

test('a chart no record draws any more is removed, and other images are left alone', async () => {
  const { paths, done } = scratch();
  try {
    mkdirSync(paths.imagesDir, { recursive: true });
    writeFileSync(join(paths.imagesDir, 'bench-old.svg'), '<svg/>');
    writeFileSync(join(paths.imagesDir, 'scaling.svg'), '<svg/>');
    await storeRecord(paths, record('actor', ACTOR_ROWS));
    regenerate(paths);
    assert.ok(!existsSync(join(paths.imagesDir, 'bench-old.svg')));
    assert.ok(existsSync(join(paths.imagesDir, 'scaling.svg')));
    assert.ok(existsSync(join(paths.imagesDir, 'bench-actor.svg')));
  } finally {
    done();
  }
});

test('a description is placed in its suite section', async () => {
  const { paths, done } = scratch();
  try {
    mkdirSync(paths.descriptionsDir, { recursive: true });
    writeFileSync(join(paths.descriptionsDir, 'actor.md'), 'Local actors in one process.\n');
    await storeRecord(paths, record('actor', ACTOR_ROWS));
    regenerate(paths);
    const page = readFileSync(paths.page, 'utf8');
    assert.match(page, /## actor\n\nLocal actors in one process\.\n\n`npm run bench -- actor/);
  } finally {
    done();
  }
});
