// A node whose Raft log cannot be written (a full disk) does not stay up as a dead voter: it logs
// the storage failure and exits with a non-zero code (the store opened as the dispatch node opens it).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { withTmpfs } from './tmpfs.ts';

const PROC = join(import.meta.dirname, 'storage-fatal-proc.ts');

it('exits non-zero after logging when its Raft storage fails (ENOSPC)', (t) =>
  withTmpfs(t, '1m', async (fs) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PROC, join(fs.dir, 'data')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000); // a hang guard only
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(guard);
    const lines = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const fatal = lines.find((l) => l['msg'] === 'raft storage failed; exiting');
    assert.ok(fatal, `no fatal log line; stderr: ${stderr.slice(-2000)}`);
    assert.match(JSON.stringify(fatal['err']), /ENOSPC/);
    assert.equal(code, 1, `exit code ${code}; stderr: ${stderr.slice(-2000)}`);
  }));
