// The probe listener's pure decisions (`probe-answers.ts`, `routeProbe` in `probe-server.ts`) and
// its heartbeat (`probe-protocol.ts`): which requests are probes, when the main loop counts as
// stalled, and what each answer says.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import type { ProbeAnswer } from '../../src/dispatch/web/health-routes.ts';
import {
  isStalled,
  livezAnswer,
  readyzStalledAnswer,
  readyzUnansweredAnswer,
  replyOf,
  replyOfAnswer,
} from '../../src/dispatch/web/probe-answers.ts';
import { Heartbeat, monotonicMs } from '../../src/dispatch/web/probe-protocol.ts';
import { routeProbe } from '../../src/dispatch/web/probe-server.ts';

const ALIVE: ProbeAnswer = { status: 200, body: { status: 'ok', node: 'gotham' } };

function errorOf(answer: ProbeAnswer): { code: string; message: string } {
  return (answer.body as { error: { code: string; message: string } }).error;
}

it('routes GET and HEAD of /livez and /readyz (with or without a query) to their probe', () => {
  for (const method of ['GET', 'HEAD'])
    for (const [url, probe] of [
      ['/livez', 'livez'],
      ['/readyz', 'readyz'],
      ['/livez?verbose', 'livez'],
      ['/readyz?x=1', 'readyz'],
    ] as const)
      assert.deepEqual(routeProbe(method, url), { probe }, `${method} ${url}`);
});

it('refuses any other path with 404 not_found and any other method with 405 and Allow', () => {
  for (const url of ['/', '/api/heroes', '/livez/', '/metrics', undefined]) {
    const route = routeProbe('GET', url);
    assert.ok('refuse' in route, String(url));
    assert.equal(route.refuse.status, 404);
    assert.equal((JSON.parse(route.refuse.text) as { error: { code: string } }).error.code, 'not_found');
  }
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', undefined]) {
    const route = routeProbe(method, '/livez');
    assert.ok('refuse' in route, String(method));
    assert.equal(route.refuse.status, 405);
    assert.equal(route.refuse.headers.allow, 'GET, HEAD');
    assert.equal(
      (JSON.parse(route.refuse.text) as { error: { code: string } }).error.code,
      'method_not_allowed',
    );
  }
});

it('a heartbeat older than the limit, and only that, counts as a stalled loop', (t) => {
  const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
  t.diagnostic(`seed ${seed} (replay with SEED=${seed})`);
  fc.assert(
    fc.property(fc.nat(100_000), fc.integer({ min: 1, max: 60_000 }), (age, limit) => {
      const answer = livezAnswer(ALIVE, 'gotham', age, limit);
      assert.equal(isStalled(age, limit), age > limit);
      if (age <= limit) assert.equal(answer, ALIVE, 'the main thread answer, as it is');
      else {
        assert.equal(answer.status, 503);
        assert.equal(errorOf(answer).code, 'event_loop_stalled');
        assert.match(errorOf(answer).message, new RegExp(`gotham's event loop has not run for ${age} ms`));
      }
    }),
    { seed },
  );
});

it('a stalled or silent loop is not ready, in the web port not_ready shape', () => {
  const stalled = readyzStalledAnswer('gotham', 12_345.6);
  assert.equal(stalled.status, 503);
  assert.equal(errorOf(stalled).code, 'not_ready');
  assert.equal(errorOf(stalled).message, 'gotham is not ready: its event loop has not run for 12346 ms');
  const silent = readyzUnansweredAnswer('gotham', 5000);
  assert.equal(silent.status, 503);
  assert.equal(errorOf(silent).code, 'not_ready');
  assert.match(errorOf(silent).message, /did not answer within 5000 ms/);
});

it('replies are JSON with their byte length, no-store, nosniff and Connection: close; a 503 says Retry-After', () => {
  const reply = replyOf(200, { status: 'ok', node: 'métropolis' });
  assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(reply.headers['content-length'], String(Buffer.byteLength(reply.text)));
  assert.notEqual(Buffer.byteLength(reply.text), reply.text.length, 'counted in bytes, not characters');
  assert.equal(reply.headers['cache-control'], 'no-store');
  assert.equal(reply.headers['x-content-type-options'], 'nosniff');
  assert.equal(reply.headers.connection, 'close');
  assert.equal(replyOfAnswer(ALIVE).headers['retry-after'], undefined);
  assert.equal(replyOfAnswer(readyzStalledAnswer('gotham', 1)).headers['retry-after'], '1');
});

it('a heartbeat is fresh when made, ages with the clock, and is shared through its buffer', () => {
  const beat = new Heartbeat();
  const view = new Heartbeat(beat.buffer); // as the worker sees it
  beat.beat(1_000);
  assert.equal(view.ageMs(1_000), 0);
  assert.equal(view.ageMs(1_250), 250);
  assert.equal(view.ageMs(900), 0, 'never negative');
  view.beat(2_000);
  assert.equal(beat.ageMs(2_010), 10, 'one stamp, whichever side wrote it');
  const before = monotonicMs();
  const made = new Heartbeat();
  const after = monotonicMs();
  assert.equal(made.ageMs(before), 0, 'stamped when made, on the monotonic clock');
  assert.ok(made.ageMs(after + 5_000) >= 5_000);
});
