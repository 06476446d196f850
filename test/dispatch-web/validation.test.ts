// Bad input at the edge: malformed JSON, unknown locations and fields, bad UUIDs, oversized and
// non-JSON bodies are refused with a clear 4xx, and the service never sees a write.
// fast-check prints the seed and path of any failure; replay with FC_SEED=<seed>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Hero } from '../../src/dispatch/model.ts';
import { createWebServer } from '../../src/dispatch/web/index.ts';
import { MemoryDispatchService } from './memory-service.ts';
import { JSON_HEADERS, errorOf, setup } from './helpers.ts';

const fcParams = process.env['FC_SEED'] ? { seed: Number(process.env['FC_SEED']) } : {};

test('malformed JSON is a 400 that says so, and nothing is written', async (t) => {
  const { app, service } = setup(t);
  const hero = await service.createHero({});
  const writes = service.writes;
  for (const [url, payload] of [
    ['/api/heroes', '{"name": "Nova"'],
    ['/api/heroes', "{'name': 'Nova'}"],
    [`/api/heroes/${hero.id}/assign`, '{location: gotham}'],
    ['/api/cities/gotham/destroy', '{,}'],
  ] as const) {
    const res = await app.inject({ method: 'POST', url, headers: JSON_HEADERS, payload });
    assert.equal(res.statusCode, 400, `${url} ${payload}`);
    const error = errorOf(res.body);
    assert.equal(error.code, 'bad_request');
    assert.match(error.message, /malformed JSON/);
  }
  assert.equal(service.writes, writes);
});

test('a location that is not a city name is a 400 saying what is expected, and nothing is written', async (t) => {
  const { app, service } = setup(t);
  const hero = await service.createHero({});
  const writes = service.writes;
  for (const location of ['Gotham', 'at lantis', '', 42, null, ['gotham']]) {
    const res = await app.inject({
      method: 'POST',
      url: `/api/heroes/${hero.id}/assign`,
      headers: JSON_HEADERS,
      payload: JSON.stringify({ location }),
    });
    assert.equal(res.statusCode, 400, JSON.stringify(location));
    assert.match(errorOf(res.body).message, /location must be home or a city name/);
  }
  const missing = await app.inject({ method: 'POST', url: `/api/heroes/${hero.id}/assign` });
  assert.equal(missing.statusCode, 400, 'no body: location is required');
  assert.equal(service.writes, writes);
});

test('an id that is not a UUID v4 is a 400 on every hero route, and nothing is written', async (t) => {
  const { app, service } = setup(t);
  const bad = [
    'not-a-uuid',
    '1b4e28ba-2fa1-11d2-883f-0016d3cca427', // v1
    '1b4e28ba-2fa1-41d2-c83f-0016d3cca427', // bad variant
    '1b4e28ba2fa141d2883f0016d3cca427',
    '1b4e28ba-2fa1-41d2-883f-0016d3cca4270',
    '%27%3B--',
  ];
  for (const id of bad) {
    for (const [method, url] of [
      ['GET', `/api/heroes/${id}`],
      ['DELETE', `/api/heroes/${id}`],
      ['POST', `/api/heroes/${id}/assign`],
    ] as const) {
      const res = await app.inject({
        method,
        url,
        ...(method === 'POST' ? { headers: JSON_HEADERS, payload: { location: 'gotham' } } : {}),
      });
      assert.equal(res.statusCode, 400, `${method} ${url}`);
      assert.match(errorOf(res.body).message, /UUID v4/);
    }
  }
  assert.equal(service.writes, 0);
  assert.equal(service.calls.length, 0, 'not even a read reached the service');
});

test('a body over 16 KiB is a 413 with a clear message, and nothing is written', async (t) => {
  const { app, service } = setup(t);
  const res = await app.inject({
    method: 'POST',
    url: '/api/heroes',
    headers: JSON_HEADERS,
    payload: JSON.stringify({ name: 'x'.repeat(17 * 1024) }),
  });
  assert.equal(res.statusCode, 413);
  assert.deepEqual(errorOf(res.body), {
    code: 'payload_too_large',
    message: 'request body is larger than the limit of 16384 bytes',
  });
  assert.equal(service.writes, 0);
});

test('unknown fields are rejected on every body', async (t) => {
  const { app, service } = setup(t);
  const hero = await service.createHero({});
  const writes = service.writes;
  for (const [url, payload] of [
    ['/api/heroes', { name: 'Nova', health: 1000 }],
    [`/api/heroes/${hero.id}/assign`, { location: 'gotham', health: 100 }],
    ['/api/cities/gotham/destroy', { force: true }],
    ['/api/nodes/gotham/shutdown', { now: true }],
    ['/api/heroes', '{"__proto__": {"admin": true}}'],
  ] as const) {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const res = await app.inject({ method: 'POST', url, headers: JSON_HEADERS, payload: body });
    assert.equal(res.statusCode, 400, `${url} ${body}`);
    assert.match(errorOf(res.body).message, /unknown field/);
  }
  assert.equal(service.writes, writes);
});

test('a body that is not a JSON object, or not JSON at all, is refused', async (t) => {
  const { app, service } = setup(t);
  for (const payload of ['[]', '"Nova"', '42', 'true']) {
    const res = await app.inject({ method: 'POST', url: '/api/heroes', headers: JSON_HEADERS, payload });
    assert.equal(res.statusCode, 400, payload);
    assert.match(errorOf(res.body).message, /must be a JSON object/);
  }
  for (const contentType of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
  ]) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/heroes',
      headers: { 'content-type': contentType },
      payload: 'name=Nova',
    });
    assert.equal(res.statusCode, 415, contentType);
    assert.equal(errorOf(res.body).code, 'unsupported_media_type');
  }
  assert.equal(service.writes, 0);
});

test('bad city and node names are 400s', async (t) => {
  const { app, service } = setup(t);
  const city = await app.inject({ method: 'POST', url: '/api/cities/Atlantis!/destroy' });
  assert.equal(city.statusCode, 400);
  assert.match(errorOf(city.body).message, /city must be random or a city name/);
  const node = await app.inject({ method: 'POST', url: '/api/nodes/%3Cscript%3E/heal' });
  assert.equal(node.statusCode, 400);
  assert.match(errorOf(node.body).message, /node must be a node name/);
  assert.equal(service.writes, 0);
});

test('names: empty, blank, too long, or with control or bidi-override characters are refused', async (t) => {
  const { app, service } = setup(t);
  const refused = [
    '',
    '   ',
    '\t\n',
    'x'.repeat(61),
    'bell\u0007',
    'line\nbreak',
    'evil\u202Egnp.exe',
    'a\u2028b',
    '\uD800',
  ];
  for (const name of refused) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/heroes',
      headers: JSON_HEADERS,
      payload: JSON.stringify({ name }),
    });
    assert.equal(res.statusCode, 400, JSON.stringify(name));
  }
  assert.equal(service.heroes.size, 0);
  const accepted: [string, string][] = [
    ['x'.repeat(60), 'x'.repeat(60)],
    ['  Zoë the 🦸 ', 'Zoë the 🦸'],
    ['🦸'.repeat(60), '🦸'.repeat(60)], // 60 code points, 120 UTF-16 units
    ['Ame\u0301lie', 'Amélie'], // normalised to NFC
    ['<script>alert(1)</script>', '<script>alert(1)</script>'], // stored as text, escaped on the page
  ];
  for (const [name, stored] of accepted) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/heroes',
      headers: JSON_HEADERS,
      payload: JSON.stringify({ name }),
    });
    assert.equal(res.statusCode, 201, JSON.stringify(name));
    assert.equal((res.json() as Hero).name, stored);
  }
});

test('property: any name gets 201 with a clean trimmed name, or 400 and no write; never a 5xx', async () => {
  const service = new MemoryDispatchService();
  const app = createWebServer(service);
  try {
    const name = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 70 }),
      fc.string({ unit: 'binary', maxLength: 70 }),
      fc.string({ maxLength: 70 }).map((s) => `  ${s}\t`),
    );
    await fc.assert(
      fc.asyncProperty(name, async (raw) => {
        const before = service.heroes.size;
        const res = await app.inject({
          method: 'POST',
          url: '/api/heroes',
          headers: JSON_HEADERS,
          payload: JSON.stringify({ name: raw }),
        });
        if (res.statusCode === 201) {
          const stored = (res.json() as Hero).name;
          assert.equal(stored, raw.trim().normalize('NFC'));
          const chars = [...stored].length;
          assert.ok(chars >= 1 && chars <= 60);
          assert.doesNotMatch(stored, /[\p{Cc}\p{Cs}]/u);
          assert.equal(service.heroes.size, before + 1);
        } else {
          assert.equal(res.statusCode, 400);
          assert.equal(service.heroes.size, before);
        }
      }),
      { ...fcParams, numRuns: 300 },
    );
  } finally {
    await app.close();
  }
});
