// The probe listener's thread tells the truth about the main event loop: while the main thread is
// blocked (`Atomics.wait`, as a wedged loop would be) /livez turns 503 `event_loop_stalled` once
// the heartbeat is older than the limit, and 200 again once the loop runs; a loop busy for less
// than the limit still looks alive, and /readyz, which needs the main thread, is 503 `not_ready`
// when the loop does not answer in time. The probes are sent from a client thread of their own,
// since the test's main thread is the one blocked. Outcomes are asserted, never durations.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { startProbeServer } from '../../src/dispatch/web/probe-server.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';
import { MemoryDispatchService } from '../dispatch-web/memory-service.ts';

interface Answer {
  readonly status: number;
  readonly body: { status?: string; error?: { code: string; message: string } } | string;
}
interface Round {
  readonly livez: Answer;
  readonly readyz: Answer;
}

/**
 * A client thread (plain JS, so it needs no loader): once `gate` is 1, asks /livez then /readyz
 * in rounds until `until` holds or 30 s pass, posts the rounds, then sets `gate` to 2 and wakes
 * the blocked main thread.
 */
const CLIENT = `
const { workerData, parentPort } = require('node:worker_threads');
const http = require('node:http');
const { url, gate, until } = workerData;
const flag = new Int32Array(gate);
const ask = (path) => new Promise((resolve) => {
  const req = http.get(url + path, { agent: false }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d) => (text += d));
    res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
  });
  req.setTimeout(30000, () => req.destroy(new Error('no answer within 30 s')));
  req.on('error', (err) => resolve({ status: 0, body: String(err) }));
});
(async () => {
  while (Atomics.load(flag, 0) !== 1) await new Promise((r) => setTimeout(r, 5));
  const rounds = [];
  const deadline = Date.now() + 30000;
  for (;;) {
    const round = { livez: await ask('/livez'), readyz: await ask('/readyz') };
    rounds.push(round);
    if (until === 'one round' || round.livez.status === 503 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  parentPort.postMessage(rounds);
  Atomics.store(flag, 0, 2);
  Atomics.notify(flag, 0);
})();
`;

/** Blocks this thread until a client thread has probed `url` as `until` says; returns its rounds. */
async function probeWhileBlocked(url: string, until: 'livez 503' | 'one round'): Promise<Round[]> {
  const gate = new SharedArrayBuffer(4);
  const flag = new Int32Array(gate);
  const client = new Worker(CLIENT, { eval: true, workerData: { url, gate, until } });
  const rounds = new Promise<Round[]>((resolve, reject) => {
    client.once('message', resolve);
    client.once('error', reject);
  });
  try {
    Atomics.store(flag, 0, 1);
    Atomics.wait(flag, 0, 1, 60_000); // the stall: nothing on this thread runs, timers included
    assert.equal(Atomics.load(flag, 0), 2, 'the client thread finished probing (hang guard: 60 s)');
    return await rounds;
  } finally {
    await client.terminate();
  }
}

function ask(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${url}: no answer`)));
    req.on('error', reject);
  });
}

function codeOf(answer: Answer): string | undefined {
  return typeof answer.body === 'string' ? answer.body : answer.body.error?.code;
}

it('a blocked main loop turns /livez 503 event_loop_stalled and /readyz 503 not_ready, and both 200 once it runs again', async (t) => {
  const service = new MemoryDispatchService({ nodeName: 'gotham' });
  const probes = await startProbeServer(service, { host: '127.0.0.1', port: 0, stallAfterMs: 500 });
  t.after(() => probes.close());
  const url = `http://127.0.0.1:${probes.port}`;
  await waitFor(
    async () => (await ask(`${url}/livez`)).status === 200,
    30_000,
    '/livez 200 before the stall',
  );

  const rounds = await probeWhileBlocked(url, 'livez 503');
  const last = rounds.at(-1);
  assert.ok(last !== undefined);
  assert.equal(last.livez.status, 503, `the client saw ${JSON.stringify(rounds.map((r) => r.livez.status))}`);
  assert.equal(codeOf(last.livez), 'event_loop_stalled');
  assert.equal(last.readyz.status, 503, 'not ready while stalled');
  assert.equal(codeOf(last.readyz), 'not_ready');
  assert.match(JSON.stringify(last.readyz.body), /gotham is not ready: its event loop has not run for/);

  await waitFor(async () => (await ask(`${url}/livez`)).status === 200, 30_000, '/livez 200 after the stall');
  const after = await ask(`${url}/livez`);
  assert.deepEqual(after.body, { status: 'ok', node: 'gotham' });
  assert.equal((await ask(`${url}/readyz`)).status, 200, 'ready again');
});

it('a main loop busy for less than the limit still answers /livez 200, and /readyz not_ready once it has waited too long', async (t) => {
  const service = new MemoryDispatchService({ nodeName: 'gotham' });
  const probes = await startProbeServer(service, {
    host: '127.0.0.1',
    port: 0,
    stallAfterMs: 600_000,
    readyTimeoutMs: 200,
  });
  t.after(() => probes.close());
  const url = `http://127.0.0.1:${probes.port}`;
  assert.equal((await ask(`${url}/readyz`)).status, 200, 'ready while the loop answers');

  const [round] = await probeWhileBlocked(url, 'one round');
  assert.ok(round !== undefined);
  assert.equal(round.livez.status, 200, '/livez answered by the probe thread while the main loop is busy');
  assert.deepEqual(round.livez.body, { status: 'ok', node: 'gotham' });
  assert.equal(round.readyz.status, 503);
  assert.equal(codeOf(round.readyz), 'not_ready');
  assert.match(JSON.stringify(round.readyz.body), /its event loop did not answer within 200 ms/);

  assert.equal((await ask(`${url}/readyz`)).status, 200, 'ready again once the loop answers');
  service.isReady = false;
  assert.equal((await ask(`${url}/readyz`)).status, 503, 'the answer of the moment, not a cached one');
});
