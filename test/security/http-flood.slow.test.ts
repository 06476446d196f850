// 5,000 event-stream attempts (the page's costly `?format=html` stream) from 20 clients against a
// node serving 300 heroes, in its own process: the node keeps answering /livez while the flood
// runs, holds at most its caps of streams, refuses the rest with 429 / 503, and its memory stays
// within a stated bound. The latency figures are printed, not asserted (a loaded CI host varies);
// the only time limit is a hang guard.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { ClientRequest } from 'node:http';
import { request } from 'node:http';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WEB_LIMITS } from '../../src/dispatch/web/index.ts';

const SERVER = fileURLToPath(new URL('./flood-server.ts', import.meta.url));
const ATTEMPTS = 5000;
const CLIENTS = 20;
const IN_FLIGHT = 500;
/** Growth of the node's resident memory the flood may cause: streams are capped, so far less. */
const MEMORY_BOUND_MIB = 256;
/** Hang guard for one /livez answer: it must come at all, not fast (CI hosts are shared). */
const PROBE_GUARD_MS = 30_000;

function ask<T>(child: ChildProcess, msg: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: unknown): void => {
      const value = (m as Record<string, unknown>)[key];
      if (value === undefined) return;
      child.off('message', on);
      resolve(value as T);
    };
    child.on('message', on);
    if (msg !== '') child.send(msg);
  });
}

function livez(port: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/livez', agent: false }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(performance.now() - started)
          : reject(new Error(`/livez ${res.statusCode}`)),
      );
    });
    req.setTimeout(PROBE_GUARD_MS, () =>
      req.destroy(new Error(`/livez did not answer within ${PROBE_GUARD_MS} ms`)),
    );
    req.on('error', reject);
    req.end();
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
  await livez(port);
}

it(
  '5,000 event-stream attempts: /livez keeps answering, streams stay capped, memory stays bounded',
  { timeout: 240_000 },
  async (t) => {
    const child = fork(SERVER, [], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const held: ClientRequest[] = [];
    t.after(() => {
      held.forEach((r) => r.destroy());
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const port = await ask<number>(child, '', 'port');
    await warmUp(port);
    const baseline = await ask<number>(child, 'rss-gc', 'rss');
    child.send('reset'); // event-loop delay and CPU time from here on

    let peak = baseline;
    let flooding = true;
    const sampler = (async () => {
      while (flooding) {
        peak = Math.max(peak, await ask<number>(child, 'rss', 'rss'));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const probes: number[] = [];
    const probeFailures: string[] = [];
    const prober = (async () => {
      while (flooding) {
        await livez(port).then(
          (ms) => probes.push(ms),
          (err: unknown) => probeFailures.push(String(err)),
        );
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    t.after(() => (flooding = false));

    const outcomes = new Map<string, number>();
    const count = (what: string): void => void outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
    const attempt = (i: number): Promise<void> =>
      new Promise((resolve) => {
        const req = request({
          host: '127.0.0.1',
          port,
          path: '/api/events?format=html',
          localAddress: `127.0.1.${1 + (i % CLIENTS)}`,
          agent: false,
        });
        req.setTimeout(60_000, () => req.destroy(new Error('no answer')));
        req.on('response', (res) => {
          count(String(res.statusCode));
          if (res.statusCode === 200) {
            held.push(req); // a stream: kept open to the end, as an attacker would
            res.resume();
            resolve();
            return;
          }
          res.resume();
          res.on('end', () => resolve());
          res.on('error', () => resolve());
        });
        req.on('error', (err: NodeJS.ErrnoException) => {
          count(err.code ?? err.message);
          resolve();
        });
        req.end();
      });
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < ATTEMPTS) await attempt(next++);
      }),
    );
    const floodMs = performance.now() - started;
    flooding = false;
    await Promise.all([prober, sampler]);
    peak = Math.max(peak, await ask<number>(child, 'rss', 'rss'));
    const lag = await ask<{ p50: number; p99: number; max: number; cpuMs: number }>(child, 'lag', 'lag');

    const sorted = [...probes].sort((a, b) => a - b);
    const pct = (p: number): number =>
      sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
    const growthMiB = (peak - baseline) / 2 ** 20;
    const report = [
      `flood: ${ATTEMPTS} attempts from ${CLIENTS} clients in ${Math.round(floodMs)} ms: ${JSON.stringify(Object.fromEntries(outcomes))}`,
      `/livez during the flood: ${probes.length} probes, median ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms`,
      `the node's event-loop delay: median ${lag.p50.toFixed(1)} ms, p99 ${lag.p99.toFixed(1)} ms, max ${lag.max.toFixed(1)} ms; its CPU time for the flood ${Math.round(lag.cpuMs)} ms`,
      `memory: ${(baseline / 2 ** 20).toFixed(0)} MiB before, peak ${(peak / 2 ** 20).toFixed(0)} MiB (+${growthMiB.toFixed(0)} MiB; bound ${MEMORY_BOUND_MIB} MiB)`,
    ];
    for (const line of report) t.diagnostic(line);

    assert.deepEqual(probeFailures, [], 'every /livez while the flood ran was answered');
    assert.ok(probes.length > 0, 'at least one /livez while the flood ran');
    const streams = outcomes.get('200') ?? 0;
    assert.ok(
      streams <= Math.min(WEB_LIMITS.streams, CLIENTS * WEB_LIMITS.streamsPerClient),
      `${streams} streams held`,
    );
    const refused = (outcomes.get('429') ?? 0) + (outcomes.get('503') ?? 0);
    assert.ok(refused > 0, 'attempts beyond the caps were refused with 429 or 503');
    const answered = [...outcomes.entries()].filter(([k]) => /^\d+$/.test(k));
    for (const [status] of answered)
      assert.ok(['200', '429', '503'].includes(status), `unexpected status ${status}`);
    assert.ok(growthMiB < MEMORY_BOUND_MIB, `memory grew ${growthMiB.toFixed(0)} MiB`);
  },
);
