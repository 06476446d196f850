// 5,000 event-stream attempts (the page's costly `?format=html` stream) from 20 clients against a
// node serving 300 heroes. Three processes: the node, the flood, and this test probing the node's
// /livez (on the web port and on the probe listener) and reading its memory, so the probes
// measure the node, not a client busy with 500 connections. The node keeps answering /livez on
// both, holds at most its caps of streams, refuses the rest with 429 / 503, and its memory stays
// within a stated bound. Latencies are printed, not asserted (the 100-ms figure is measured by
// `npm run bench -- http-flood`); the only time limits are hang guards.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { ClientRequest } from 'node:http';
import { request } from 'node:http';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WEB_LIMITS } from '../../src/dispatch/web/index.ts';
import { probeOnce, sampleProbe } from '../../packages/runtime/src/testing/flood/index.ts';
import type { ProbeSamples } from '../../packages/runtime/src/testing/flood/index.ts';

const SERVER = fileURLToPath(new URL('./flood-server.ts', import.meta.url));
const FLOOD = fileURLToPath(
  new URL('../../packages/runtime/src/testing/flood/stream-flood-worker.ts', import.meta.url),
);
const ATTEMPTS = 5000;
const CLIENTS = 20;
const IN_FLIGHT = 500;
/** Growth of the node's resident memory the flood may cause: streams are capped, so far less. */
const MEMORY_BOUND_MIB = 256;
/** Hang guard for one /livez answer: it must come at all, not fast (CI hosts are shared). */
const PROBE_GUARD_MS = 30_000;

function ask<T>(child: ChildProcess, msg: string, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (m: unknown): void => {
      const value = (m as Record<string, unknown>)[key];
      if (value === undefined) return;
      child.off('message', on);
      child.off('exit', gone);
      resolve(value as T);
    };
    const gone = (code: number | null): void => reject(new Error(`child exited (${code}) before ${key}`));
    child.on('message', on);
    child.once('exit', gone);
    if (msg !== '') child.send(msg);
  });
}

/** A few streams and refusals first, so code loaded on first use is not timed as the flood's. */
async function warmUp(port: number): Promise<void> {
  const opened: ClientRequest[] = [];
  for (let i = 0; i <= WEB_LIMITS.streamsPerClient; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path: '/api/events?format=html',
        localAddress: '127.0.2.1',
        agent: false,
      });
      req.on('response', (res) => {
        res.resume();
        resolve();
      });
      req.on('error', reject);
      req.end();
      opened.push(req);
    });
  }
  opened.forEach((r) => r.destroy());
  await probeOnce(`http://127.0.0.1:${port}/livez`, PROBE_GUARD_MS);
}

function describe(samples: ProbeSamples): string {
  const sorted = [...samples.ms].sort((a, b) => a - b);
  const pct = (p: number): string =>
    (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN).toFixed(1);
  return `${sorted.length} probes, median ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms`;
}

it(
  '5,000 event-stream attempts: /livez keeps answering, streams stay capped, memory stays bounded',
  { timeout: 240_000 },
  async (t) => {
    const children: ChildProcess[] = [];
    t.after(() => {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    });
    const server = fork(SERVER, [], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(server);
    const { port, probePort } = await ask<{ port: number; probePort: number }>(server, '', 'ports');
    assert.ok(probePort > 0, 'the node serves a probe listener');
    await warmUp(port);
    const baseline = await ask<number>(server, 'rss-gc', 'rss');
    server.send('reset'); // event-loop delay and CPU time from here on

    const flood = fork(
      FLOOD,
      [JSON.stringify({ port, attempts: ATTEMPTS, clients: CLIENTS, inFlight: IN_FLIGHT })],
      {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    children.push(flood);
    const webProbes = sampleProbe(`http://127.0.0.1:${port}/livez`, { guardMs: PROBE_GUARD_MS });
    const listenerProbes = sampleProbe(`http://127.0.0.1:${probePort}/livez`, { guardMs: PROBE_GUARD_MS });
    let peak = baseline;
    let flooding = true;
    const sampler = (async () => {
      while (flooding) {
        peak = Math.max(peak, await ask<number>(server, 'rss', 'rss'));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    t.after(() => (flooding = false));

    const result = await ask<{ outcomes: Record<string, number>; ms: number }>(flood, '', 'flooded');
    flooding = false;
    const [web, listener] = await Promise.all([webProbes.stop(), listenerProbes.stop(), sampler]);
    peak = Math.max(peak, await ask<number>(server, 'rss', 'rss'));
    const lag = await ask<{ p50: number; p99: number; max: number; cpuMs: number }>(server, 'lag', 'lag');
    flood.send('release');

    const growthMiB = (peak - baseline) / 2 ** 20;
    for (const line of [
      `flood: ${ATTEMPTS} attempts from ${CLIENTS} clients in ${Math.round(result.ms)} ms: ${JSON.stringify(result.outcomes)}`,
      `/livez on the web port during the flood: ${describe(web)}`,
      `/livez on the probe listener during the flood: ${describe(listener)}`,
      `the node's event-loop delay: median ${lag.p50.toFixed(1)} ms, p99 ${lag.p99.toFixed(1)} ms, max ${lag.max.toFixed(1)} ms; its CPU time for the flood ${Math.round(lag.cpuMs)} ms`,
      `memory: ${(baseline / 2 ** 20).toFixed(0)} MiB before, peak ${(peak / 2 ** 20).toFixed(0)} MiB (+${growthMiB.toFixed(0)} MiB; bound ${MEMORY_BOUND_MIB} MiB)`,
    ])
      t.diagnostic(line);

    assert.deepEqual(web.failures, [], 'every /livez on the web port while the flood ran was answered');
    assert.deepEqual(listener.failures, [], 'every /livez on the probe listener was answered');
    assert.ok(web.ms.length > 0 && listener.ms.length > 0, 'probes ran while the flood ran');
    const streams = result.outcomes['200'] ?? 0;
    assert.ok(
      streams <= Math.min(WEB_LIMITS.streams, CLIENTS * WEB_LIMITS.streamsPerClient),
      `${streams} streams held`,
    );
    const refused = (result.outcomes['429'] ?? 0) + (result.outcomes['503'] ?? 0);
    assert.ok(refused > 0, 'attempts beyond the caps were refused with 429 or 503');
    for (const status of Object.keys(result.outcomes).filter((k) => /^\d+$/.test(k)))
      assert.ok(['200', '429', '503'].includes(status), `unexpected status ${status}`);
    assert.ok(growthMiB < MEMORY_BOUND_MIB, `memory grew ${growthMiB.toFixed(0)} MiB`);
  },
);
