// Secret files like ~/.erlang.cookie: generated once with mode 0400 (32 random bytes), shared by
// whoever asks for the same file, and refused when group or others may read them. A node refuses
// to start on such a file, and refuses a non-loopback cluster address without a cookie or TLS.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SecretFileError, ensureSecretFile, readSecretFile } from '../../src/cli/secrets.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cookie-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('secret files', () => {
  it('are generated once: 32 random bytes, mode 0400, in a 0700 directory, and read back the same', async (t) => {
    const dir = join(await tempDir(t), 'data');
    const file = join(dir, 'cookie');
    const first = await ensureSecretFile(file);
    assert.equal(first.created, true);
    assert.equal(Buffer.from(first.secret, 'base64url').length, 32);
    assert.equal((await stat(file)).mode & 0o777, 0o400);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    const again = await ensureSecretFile(file);
    assert.deepEqual(again, { secret: first.secret, created: false });
    assert.equal(await readSecretFile(file), first.secret);
  });

  it('racing creators end up with one secret', async (t) => {
    const file = join(await tempDir(t), 'cookie');
    const results = await Promise.all(Array.from({ length: 8 }, () => ensureSecretFile(file)));
    assert.equal(new Set(results.map((r) => r.secret)).size, 1);
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal((await readFile(file, 'utf8')).trim(), results[0]?.secret);
  });

  it('are refused when group or others may access them, with the fix in the message', async (t) => {
    const file = join(await tempDir(t), 'cookie');
    await writeFile(file, 'a-cookie-of-enough-length\n');
    for (const mode of [0o644, 0o640, 0o604, 0o660, 0o602]) {
      await chmod(file, mode);
      await assert.rejects(
        readSecretFile(file),
        (err) =>
          err instanceof SecretFileError &&
          err.code === 'insecure_secret_file' &&
          err.message.includes(file) &&
          err.message.includes(`chmod 400 ${file}`),
        `mode ${mode.toString(8)}`,
      );
    }
    for (const mode of [0o400, 0o600]) {
      await chmod(file, mode);
      assert.equal(await readSecretFile(file), 'a-cookie-of-enough-length', `mode ${mode.toString(8)}`);
    }
    await chmod(file, 0o600);
    await writeFile(file, '  \n');
    await assert.rejects(readSecretFile(file), { code: 'empty_secret_file' });
  });
});

/** Runs `superhero node …` to its exit (it is expected to refuse to start); returns code and output. */
function runNode(args: string[], dataDir: string): Promise<{ code: number | null; output: string }> {
  const env = { ...process.env };
  delete env.SUPERHERO_COOKIE;
  delete env.SUPERHERO_WEB_TOKEN;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      MAIN,
      'node',
      '--name',
      'gotham',
      '--port',
      '0',
      '--web-port',
      '0',
      '--data-dir',
      dataDir,
      ...args,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, output });
    }),
  );
}

describe('superhero node', () => {
  it('refuses a cookie file others can read: one line naming the file, exit code 1', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'cookie');
    await writeFile(file, 'a-cookie-of-enough-length\n', { mode: 0o644 });
    await chmod(file, 0o644);
    const { code, output } = await runNode(['--cookie-file', file], join(dir, 'data'));
    assert.equal(code, 1, output);
    assert.match(
      output,
      /superhero node gotham: secret file .*cookie has mode 0644.*\(insecure_secret_file\)/,
    );
    assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
  });

  it('refuses a non-loopback cluster address without a cookie or TLS, before binding anything', async (t) => {
    const dir = await tempDir(t);
    const { code, output } = await runNode(['--host', '0.0.0.0'], join(dir, 'data'));
    assert.equal(code, 1, output);
    assert.match(
      output,
      /the cluster address 0\.0\.0\.0 is not loopback: give the cluster's cookie .*\(cookie_required\)/,
    );
  });
});
