// The probe listener's thread loads however the node runs: compiled (`npm run build`, plain node,
// as the Docker image runs `dist/src/cli/main.js`) and from source through `bin/superhero.js`
// (tsx registered with `register()`, not `--import tsx`). Each starts a real `superhero node` with
// `--probe-port` and asks its probe listener for /livez and /readyz. Slow: the build compiles the
// whole tree.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../packages/runtime/src/testing/free-port.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

async function probe(url: string): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return { status: res.status, body: await res.json() };
  } catch {
    return undefined; // not listening yet
  }
}

/** Starts `node <entry> node …` with a probe port; its probes answer once it is up. */
async function startNode(
  entry: string,
  dataDir: string,
): Promise<{ child: ChildProcess; probeUrl: string; output: () => string }> {
  const [port, webPort, probePort] = await Promise.all([freePort(), freePort(), freePort()]);
  const child = spawn(
    process.execPath,
    [
      entry,
      'node',
      ...['--name', 'gotham', '--port', String(port), '--web-port', String(webPort)],
      ...['--seeds', `127.0.0.1:${port}`, '--cookie', 'probe-dist-test-cookie', '--store', 'crdt'],
      ...['--probe-port', String(probePort), '--data-dir', dataDir, '--log-level', 'warn'],
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { child, probeUrl: `http://127.0.0.1:${probePort}`, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}

async function assertProbesServe(entry: string, dataDir: string): Promise<void> {
  const node = await startNode(entry, dataDir);
  try {
    await waitFor(
      async () => (await probe(`${node.probeUrl}/readyz`))?.status === 200 || node.child.exitCode !== null,
      60_000,
      `${entry}: /readyz 200 on the probe listener`,
    ).catch((err: unknown) => assert.fail(`${String(err)}\n${node.output()}`));
    assert.equal(node.child.exitCode, null, `${entry} exited:\n${node.output()}`);
    assert.deepEqual(await probe(`${node.probeUrl}/livez`), {
      status: 200,
      body: { status: 'ok', node: 'gotham' },
    });
    assert.deepEqual(await probe(`${node.probeUrl}/readyz`), {
      status: 200,
      body: { status: 'ready', node: 'gotham' },
    });
    assert.doesNotMatch(node.output(), /probe-worker|ERR_UNKNOWN_FILE_EXTENSION|ProbeListenError/);
  } finally {
    await stop(node.child);
  }
}

it(
  'the compiled node (npm run build, plain node) serves /livez and /readyz from its probe thread',
  { timeout: 600_000 },
  async (t) => {
    const scratch = mkdtempSync(join(tmpdir(), 'probe-dist-'));
    // Inside the tree (under the ignored .tmp/), so the compiled files find node_modules as dist/ does.
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    const out = mkdtempSync(join(ROOT, '.tmp', 'probe-dist-'));
    t.after(() => {
      rmSync(scratch, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    });
    // As `npm run build`: the runtime package into its dist/ (where the compiled application
    // finds it through node_modules), then the application.
    await promisify(execFile)(process.execPath, [TSC, '-p', 'packages/runtime/tsconfig.json'], { cwd: ROOT });
    await promisify(execFile)(process.execPath, [TSC, '-p', 'tsconfig.build.json', '--outDir', out], {
      cwd: ROOT,
    });
    await assertProbesServe(join(out, 'src', 'cli', 'main.js'), join(scratch, 'gotham'));
  },
);

it(
  'the node run from source by bin/superhero.js serves /livez and /readyz from its probe thread',
  { timeout: 120_000 },
  async (t) => {
    const scratch = mkdtempSync(join(tmpdir(), 'probe-bin-'));
    t.after(() => rmSync(scratch, { recursive: true, force: true }));
    await assertProbesServe(join(ROOT, 'bin', 'superhero.js'), join(scratch, 'gotham'));
  },
);
