// The web API of a node bound beyond loopback (this host's own interface address): every mutating
// route answers 401 without the bearer token or with a wrong one, and writes nothing; reads need
// the token too unless --public-read; a DNS-rebinding Host is refused even on loopback; cross-site
// requests, disabled chaos routes and the hero cap are refused in the error shape.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { ExposedWebServerError, startWebServer } from '../../src/dispatch/web/index.ts';
import type { WebServerOptions } from '../../src/dispatch/web/index.ts';
import { MemoryDispatchService } from '../dispatch-web/memory-service.ts';

const TOKEN = 'test-token-0123456789abcdef';

/** A non-loopback IPv4 address of this host, or undefined when it has none. */
function interfaceAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function send(
  base: URL,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        method,
        path,
        agent: false,
        headers: {
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer`)));
    req.end(payload);
  });
}

function codeOf(answer: Answer): string {
  return (JSON.parse(answer.body) as { error: { code: string } }).error.code;
}

async function serve(
  t: TestContext,
  host: string,
  options: WebServerOptions = {},
): Promise<{ service: MemoryDispatchService; base: URL }> {
  const service = new MemoryDispatchService();
  const { app, url } = await startWebServer(service, { host, port: 0, ...options });
  t.after(() => app.close());
  return { service, base: new URL(url) };
}

/** Every state-changing route, with a body it would accept. `id`: an existing hero. */
function mutatingRoutes(id: string): { method: string; path: string; body?: unknown }[] {
  return [
    { method: 'POST', path: '/api/heroes', body: { name: 'Night Owl' } },
    { method: 'POST', path: `/api/heroes/${id}/assign`, body: { location: 'gotham' } },
    { method: 'POST', path: '/api/cities/random/destroy' },
    ...['shutdown', 'restart', 'partition', 'heal'].map((a) => ({
      method: 'POST',
      path: `/api/nodes/gotham/${a}`,
    })),
    { method: 'DELETE', path: `/api/heroes/${id}` },
  ];
}

const exposed = interfaceAddress();
const skipExposed = exposed === undefined ? 'this host has no non-loopback IPv4 address' : false;

describe('a node whose web port is bound beyond loopback', { skip: skipExposed }, () => {
  const host = exposed ?? '';

  it('refuses to listen without a token', async () => {
    await assert.rejects(
      startWebServer(new MemoryDispatchService(), { host, port: 0 }),
      (err) => err instanceof ExposedWebServerError && err.code === 'web_token_required',
    );
  });

  it('answers 401 to every mutating route without the token or with a wrong one, and writes nothing', async (t) => {
    const { service, base } = await serve(t, host, { access: { token: TOKEN } });
    const hero = await service.createHero({ name: 'Existing' });
    const before = service.writes;
    for (const route of mutatingRoutes(hero.id)) {
      for (const auth of [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: TOKEN }]) {
        const answer = await send(base, route.method, route.path, auth, route.body);
        const label = `${route.method} ${route.path} with ${JSON.stringify(auth)}`;
        assert.equal(answer.status, 401, `${label}: ${answer.body}`);
        assert.equal(codeOf(answer), 'unauthorized', label);
        assert.match(String(answer.headers['www-authenticate']), /^Bearer/, label);
      }
    }
    assert.equal(service.writes, before, 'no write reached the service');
    assert.equal(service.heroes.size, 1);

    // The same routes with the token do what they say (the gate is not refusing everything).
    const expected = [201, 200, 200, 202, 202, 202, 202, 204];
    const statuses: number[] = [];
    for (const route of mutatingRoutes(hero.id)) {
      const answer = await send(
        base,
        route.method,
        route.path,
        { authorization: `Bearer ${TOKEN}` },
        route.body,
      );
      statuses.push(answer.status);
    }
    assert.deepEqual(statuses, expected);
  });

  it('needs the token for the page and read-only API too, unless public reads are on; probes stay open', async (t) => {
    const closed = await serve(t, host, { access: { token: TOKEN } });
    for (const path of ['/', '/api/heroes', '/api/cluster', '/api/events']) {
      const answer = await send(closed.base, 'GET', path);
      assert.equal(answer.status, 401, path);
      assert.equal(codeOf(answer), 'unauthorized');
    }
    assert.equal(
      (await send(closed.base, 'GET', '/api/heroes', { authorization: `Bearer ${TOKEN}` })).status,
      200,
    );
    assert.equal((await send(closed.base, 'GET', '/livez')).status, 200);
    assert.equal((await send(closed.base, 'GET', '/assets/htmx.min.js')).status, 200);

    const open = await serve(t, host, { access: { token: TOKEN, publicRead: true } });
    assert.equal((await send(open.base, 'GET', '/')).status, 200);
    assert.equal((await send(open.base, 'GET', '/api/heroes')).status, 200);
    const write = await send(open.base, 'POST', '/api/heroes', {}, { name: 'Nope' });
    assert.equal(write.status, 401, 'public reads do not open writes');
    assert.equal(open.service.writes, 0);
  });
});

describe('any node, loopback included', () => {
  it('refuses a DNS-rebinding Host (Host and Origin evil.example) for writes and reads, and writes nothing', async (t) => {
    const { service, base } = await serve(t, '127.0.0.1');
    const rebound = { host: `evil.example:${base.port}`, origin: `http://evil.example:${base.port}` };
    const hero = await service.createHero({});
    const before = service.writes;
    for (const route of mutatingRoutes(hero.id)) {
      const answer = await send(base, route.method, route.path, rebound, route.body);
      assert.equal(answer.status, 403, `${route.method} ${route.path}: ${answer.body}`);
      assert.equal(codeOf(answer), 'forbidden_host');
    }
    const read = await send(base, 'GET', '/api/heroes', { host: 'evil.example' });
    assert.equal(read.status, 403);
    assert.equal(service.writes, before);
    // IP literals, localhost and --web-origin names are answered.
    assert.equal((await send(base, 'GET', '/api/heroes', { host: `localhost:${base.port}` })).status, 200);
    const named = await serve(t, '127.0.0.1', { access: { allowedHosts: ['dispatch.example.com'] } });
    assert.equal(
      (await send(named.base, 'GET', '/api/heroes', { host: 'dispatch.example.com' })).status,
      200,
    );
    assert.equal((await send(named.base, 'GET', '/api/heroes', { host: 'evil.example' })).status, 403);
  });

  it('refuses cross-site writes (another Origin, or Sec-Fetch-Site cross-site) and accepts the page own', async (t) => {
    const { service, base } = await serve(t, '127.0.0.1');
    const own = `http://127.0.0.1:${base.port}`;
    for (const headers of [{ origin: 'http://attacker.example' }, { 'sec-fetch-site': 'cross-site' }]) {
      const answer = await send(base, 'POST', '/api/heroes', headers, { name: 'Forged' });
      assert.equal(answer.status, 403, JSON.stringify(headers));
      assert.equal(codeOf(answer), 'forbidden_origin');
    }
    assert.equal(service.writes, 0);
    const answer = await send(
      base,
      'POST',
      '/api/heroes',
      { origin: own, 'sec-fetch-site': 'same-origin' },
      {},
    );
    assert.equal(answer.status, 201, answer.body);
  });

  it('answers 403 chaos_disabled on every chaos route when chaos is off, and still serves heroes', async (t) => {
    const { service, base } = await serve(t, '127.0.0.1', { chaos: false });
    const chaos = [
      '/api/cities/random/destroy',
      ...['shutdown', 'restart', 'partition', 'heal'].map((a) => `/api/nodes/gotham/${a}`),
    ];
    for (const path of chaos) {
      const answer = await send(base, 'POST', path);
      assert.equal(answer.status, 403, path);
      assert.equal(codeOf(answer), 'chaos_disabled');
    }
    assert.equal(service.writes, 0);
    assert.equal((await send(base, 'POST', '/api/heroes', {}, {})).status, 201);
    // The page hides the chaos buttons (its style hides them under data-chaos="off").
    const page = await send(base, 'GET', '/');
    assert.match(page.body, /<body data-chaos="off">/);
    assert.match(page.body, /body\[data-chaos="off"\] \[data-post\^="\/api\/nodes\/"\]/);
    const demo = await serve(t, '127.0.0.1');
    assert.match((await send(demo.base, 'GET', '/')).body, /<body data-chaos="on">/);
  });

  it('refuses a hero beyond the cap with 503 hero_limit', async (t) => {
    const { service, base } = await serve(t, '127.0.0.1', {
      heroCap: { max: 2, count: () => service.heroes.size },
    });
    assert.equal((await send(base, 'POST', '/api/heroes', {}, {})).status, 201);
    assert.equal((await send(base, 'POST', '/api/heroes', {}, {})).status, 201);
    const third = await send(base, 'POST', '/api/heroes', {}, {});
    assert.equal(third.status, 503);
    assert.equal(codeOf(third), 'hero_limit');
    assert.equal(service.heroes.size, 2);
  });
});
