import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PROC = fileURLToPath(new URL('./default-logging-proc.ts', import.meta.url));
const COOKIE = 'default-logging-right-cookie';
const WRONG_COOKIE = 'default-logging-wrong-cookie';

interface Run {
  readonly code: number | null;
  readonly stdout: Record<string, unknown>[];
  readonly stderr: string;
}

function run(mode: 'default' | 'silent'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PROC, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // A hang guard only: the process ends on its own in a few seconds.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      const stdout = out
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, stdout, stderr: err });
    });
  });
}

/** The JSON log lines of a stderr capture (anything else, e.g. a stack trace, is left out). */
function logLines(stderr: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    lines.push(JSON.parse(line) as Record<string, unknown>);
  }
  return lines;
}

test('without a logger, crashes, restarts, a wrong cookie on both sides and node up/down reach stderr', async () => {
  const { code, stdout, stderr } = await run('default');
  assert.equal(code, 0, stderr);
  assert.deepEqual(stdout, [{ restarted: true }, { waitCode: 'cookie_mismatch' }, { done: true }]);
  const logs = logLines(stderr);
  const has = (pred: (l: Record<string, unknown>) => boolean, what: string): void =>
    assert.ok(logs.some(pred), `${what} in:\n${stderr}`);
  has(
    (l) => l.msg === 'actor crashed' && String(l.reason).includes('the reactor overheated'),
    'the crash with its reason',
  );
  has(
    (l) => l.msg === 'child exited; restarting' && String(l.reason).includes('the reactor overheated'),
    'the restart',
  );
  for (const node of ['right', 'wrong']) {
    has(
      (l) => l.node === node && l.code === 'ERR_HANDSHAKE_AUTH' && /wrong cookie/.test(String(l.msg)),
      `node ${node} naming the cookie mismatch`,
    );
  }
  has((l) => l.node === 'right' && l.msg === 'node up' && String(l.peer).startsWith('joiner@'), 'node up');
  has(
    (l) => l.node === 'right' && l.msg === 'node down' && String(l.peer).startsWith('joiner@'),
    'node down',
  );
  assert.ok(
    logs.every((l) => (l.level as number) >= 40),
    'only warnings and errors by default',
  );
  assert.ok(!stderr.includes(COOKIE) && !stderr.includes(WRONG_COOKIE), 'no cookie is ever logged');
});

test('a logger passed by the user replaces the default one', async () => {
  const { code, stdout, stderr } = await run('silent');
  assert.equal(code, 0, stderr);
  assert.deepEqual(stdout, [{ restarted: true }, { waitCode: 'cookie_mismatch' }, { done: true }]);
  assert.deepEqual(logLines(stderr), []);
});
