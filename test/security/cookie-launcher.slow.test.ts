// `npm start` with no cookie: the launcher generates <data-dir>/cookie (mode 0400) and hands it to
// its node in the environment, never on the command line (/proc/<pid>/cmdline of the child holds
// neither the cookie nor a --cookie flag). With a non-loopback --web-host it also generates the
// web token, shows it once, hands it over the same way, and the node asks for it on writes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../packages/runtime/src/testing/free-port.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function interfaceAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** Pids whose parent is `pid`, from /proc/<pid>/stat (field 4). */
async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === pid) out.push(Number(entry));
  }
  return out;
}

const webHost = interfaceAddress();

test(
  'npm start: the generated cookie and web token reach the node by environment, never by argv',
  { skip: process.platform !== 'linux' ? 'reads /proc' : false, timeout: 240_000 },
  async (t) => {
    const data = await mkdtemp(join(tmpdir(), 'launcher-secrets-'));
    const [port, webPort] = [await freePort(), await freePort()];
    const env = { ...process.env };
    delete env.SUPERHERO_COOKIE;
    delete env.SUPERHERO_WEB_TOKEN;
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
        '--data-dir',
        data,
        ...(webHost === undefined ? [] : ['--web-host', webHost]),
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let output = '';
    launcher.stdout.on('data', (d: Buffer) => (output += d.toString()));
    launcher.stderr.on('data', (d: Buffer) => (output += d.toString()));
    t.after(async () => {
      if (launcher.exitCode === null && launcher.pid) process.kill(-launcher.pid, 'SIGKILL');
      await rm(data, { recursive: true, force: true });
    });
    const base = `http://${webHost ?? '127.0.0.1'}:${webPort}`;
    await waitFor(
      async () =>
        (await fetch(`${base}/livez`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined))?.ok ===
        true,
      60_000,
      `the node's /livez: ${output}`,
    );

    const cookieFile = join(data, 'cookie');
    assert.equal((await stat(cookieFile)).mode & 0o777, 0o400);
    const cookie = (await readFile(cookieFile, 'utf8')).trim();
    assert.equal(Buffer.from(cookie, 'base64url').length, 32);

    const [node] = await childrenOf(launcher.pid ?? -1);
    assert.ok(node !== undefined, 'the launcher has a node process');
    const argv = (await readFile(`/proc/${node}/cmdline`, 'utf8')).split('\0');
    assert.ok(argv.includes('node') && argv.includes('gotham'), `the child is the node: ${argv.join(' ')}`);
    assert.ok(!argv.some((a) => a.includes(cookie)), 'the cookie is not on the command line');
    assert.ok(!argv.includes('--cookie'), 'no --cookie flag');
    const environ = (await readFile(`/proc/${node}/environ`, 'utf8')).split('\0');
    assert.ok(environ.includes(`SUPERHERO_COOKIE=${cookie}`), 'the cookie is in the environment');
    assert.ok(argv.includes('--chaos'), 'npm start turns the chaos routes on');

    if (webHost === undefined) return t.diagnostic('no non-loopback address: the web token part is skipped');
    const tokenFile = join(data, 'web-token');
    assert.equal((await stat(tokenFile)).mode & 0o777, 0o400);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    assert.equal(output.split(token).length - 1, 1, 'the token is shown once');
    assert.ok(!argv.some((a) => a.includes(token)), 'the token is not on the command line');
    assert.ok(environ.includes(`SUPERHERO_WEB_TOKEN=${token}`));
    const create = (headers: Record<string, string>) =>
      fetch(`${base}/api/heroes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{"name":"Token Tess"}',
        signal: AbortSignal.timeout(5000),
      });
    assert.equal((await create({})).status, 401);
    await waitFor(
      async () => (await create({ authorization: `Bearer ${token}` })).status === 201,
      30_000,
      'a create with the token (once the node has its store)',
    );
  },
);
