// The launcher behind `npm start`, as a real process tree (one city on free ports): it serves the
// page, restarts its node when the page asks (the node comes back with its Raft data), and exits
// with code 1 once no node is left running.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../packages/runtime/src/testing/free-port.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

test('npm start: one city serves, restarts with its data when asked, and the launcher exits when none is left', async (t) => {
  const data = await mkdtemp(join(tmpdir(), 'launcher-'));
  const [port, webPort] = [await freePort(), await freePort()];
  const launcher = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      MAIN,
      'start',
      '--nodes',
      '1',
      '--port',
      String(port),
      '--web-port',
      String(webPort),
    ].concat(['--data-dir', data, '--cookie', 'launcher-test-cookie']),
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  launcher.stdout.on('data', (d: Buffer) => (output += d.toString()));
  launcher.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', resolve));
  t.after(async () => {
    // The launcher and its node share a process group of their own.
    if (launcher.exitCode === null && launcher.pid) process.kill(-launcher.pid, 'SIGKILL');
    await rm(data, { recursive: true, force: true });
  });
  const api = (path: string, init?: RequestInit) =>
    fetch(`http://127.0.0.1:${webPort}${path}`, { ...init, signal: AbortSignal.timeout(3000) });
  // Node actions on a connection of their own: a pooled keep-alive connection may belong to the
  // node process that a restart just ended, and a POST is not retried on it.
  const act = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: webPort, path, method: 'POST', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  const heroes = async (): Promise<string[] | undefined> => {
    try {
      const res = await api('/api/heroes');
      return res.ok
        ? ((await res.json()) as { heroes: { name: string }[] }).heroes.map((h) => h.name)
        : undefined;
    } catch {
      return undefined;
    }
  };

  await waitFor(async () => (await heroes()) !== undefined, 30_000, 'the page of gotham');
  // The page answers before the node's Raft group has elected it; writes wait for /readyz.
  await waitFor(
    async () => {
      try {
        return (await api('/readyz')).status === 200;
      } catch {
        return false;
      }
    },
    60_000,
    'gotham ready for writes',
  );
  assert.match(output, new RegExp(`gotham +http://127\\.0\\.0\\.1:${webPort}`));
  const created = await api('/api/heroes', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Persistent Pete' }),
  });
  assert.equal(created.status, 201, await created.text());

  assert.equal(await act('/api/nodes/gotham/restart'), 202);
  await waitFor(() => output.includes('[launcher] restarting gotham'), 10_000, 'the restart');
  const readyLines = () => output.split('\n').filter((l) => l.includes('"msg":"dispatch node ready"')).length;
  await waitFor(() => readyLines() === 2, 30_000, 'the restarted node ready');
  await waitFor(
    async () => (await heroes())?.includes('Persistent Pete') === true,
    30_000,
    'the hero after restart',
  );
  assert.doesNotMatch(output, /gotham exited/, 'a requested restart is not reported as an exit');

  assert.equal(await act('/api/nodes/gotham/shutdown'), 202);
  assert.equal(await exited, 1, output);
  assert.match(output, /\[launcher\] gotham exited \(code 0\); no node is left running, exiting/);
});
