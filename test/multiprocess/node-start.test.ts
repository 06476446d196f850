// A node process whose data directory holds another Raft group's log (here: its own, written
// when it listened on another port — a member's identity is name@host:port) refuses to start
// with a one-line reason and exit code 1, and leaves the data as it was.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startProcs, stopProcs, waitFor } from './procs.ts';

const snapshot = async (dir: string): Promise<Map<string, string>> => {
  const files = (await readdir(dir, { recursive: true })).sort();
  const out = new Map<string, string>();
  for (const f of files) {
    const bytes = await readFile(join(dir, f)).catch(() => undefined); // directories
    if (bytes) out.set(f, bytes.toString('base64'));
  }
  return out;
};

test('a node started on another address than its Raft log was written with refuses to start, and writes nothing', async (t) => {
  const data = await mkdtemp(join(tmpdir(), 'node-start-'));
  t.after(() => rm(data, { recursive: true, force: true }));
  const [first] = await startProcs(['gotham'], ['--data-dir', data, '--expect', '1']);
  t.after(() => stopProcs([first!]));
  // Ready: the group of one is founded and has a leader, so the write below can commit.
  await waitFor(async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${first!.webPort}/readyz`);
      return res.status === 200;
    } catch {
      return false;
    }
  }, 60_000);
  const res = await fetch(`http://127.0.0.1:${first!.webPort}/api/heroes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Batman' }),
  });
  assert.equal(res.status, 201, await res.text());
  await stopProcs([first!]);
  const before = await snapshot(data);
  assert.ok(before.size > 0, 'the first run wrote its log');

  const [moved] = await startProcs(['gotham'], ['--data-dir', data, '--expect', '1']); // new free ports
  t.after(() => stopProcs([moved!]));
  const code =
    moved!.child.exitCode ??
    (await new Promise<number | null>((resolve) => moved!.child.once('exit', resolve)));
  assert.equal(code, 1, moved!.output);
  assert.match(
    moved!.output,
    /superhero node gotham: the Raft log in .* belongs to a group whose voters are gotham@127\.0\.0\.1:\d+;.*\(foreign_data\)/,
  );
  assert.doesNotMatch(moved!.output, /\n\s+at /, 'no stack trace');
  assert.deepEqual(await snapshot(data), before, 'the data directory is unchanged');
});
