// The probe listener (`probePort`): /livez and /readyz on a port of their own, with the web
// port's answers, open without a token, nothing else served there, and closed with the server.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { it } from 'node:test';
import { startWebServer } from '../../src/dispatch/web/index.ts';
import { freePort } from '../../packages/runtime/src/testing/free-port.ts';
import { MemoryDispatchService } from '../dispatch-web/memory-service.ts';

function fetchText(
  url: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url}: no answer`)));
    req.on('error', reject);
    req.end();
  });
}

it('serves /livez and /readyz as the web port does, open without the token, and nothing else', async (t) => {
  const service = new MemoryDispatchService({ nodeName: 'gotham' });
  const token = 'a-token-of-sixteen-or-more';
  const { app, url, probeUrl } = await startWebServer(service, {
    host: '127.0.0.1',
    port: 0,
    probePort: 0,
    access: { token },
  });
  t.after(() => app.close());
  assert.ok(probeUrl !== undefined && probeUrl !== url, `probe listener at ${probeUrl}`);

  for (const path of ['/livez', '/readyz']) {
    const probe = await fetchText(`${probeUrl}${path}`);
    const web = await fetchText(`${url}${path}`);
    assert.equal(probe.status, 200, path);
    assert.deepEqual(JSON.parse(probe.body), JSON.parse(web.body), path);
  }
  service.isReady = false;
  const notReady = await fetchText(`${probeUrl}/readyz`);
  assert.equal(notReady.status, 503);
  assert.equal((JSON.parse(notReady.body) as { error: { code: string } }).error.code, 'not_ready');
  assert.equal(notReady.headers['retry-after'], '1');
  assert.equal((await fetchText(`${probeUrl}/livez`)).status, 200, 'alive though not ready');

  const other = await fetchText(`${probeUrl}/api/heroes`);
  assert.equal(other.status, 404);
  assert.equal((JSON.parse(other.body) as { error: { code: string } }).error.code, 'not_found');
  const post = await fetchText(`${probeUrl}/livez`, 'POST');
  assert.equal(post.status, 405);
  assert.equal((JSON.parse(post.body) as { error: { code: string } }).error.code, 'method_not_allowed');
});

it('closes with the web server, and a taken probe port fails the start without leaving the web port bound', async (t) => {
  const service = new MemoryDispatchService();
  const first = await startWebServer(service, { host: '127.0.0.1', port: 0, probePort: 0 });
  const probeUrl = first.probeUrl ?? '';
  await first.app.close();
  await assert.rejects(fetchText(`${probeUrl}/livez`), /ECONNREFUSED/);

  const holder = await startWebServer(service, { host: '127.0.0.1', port: 0, probePort: 0 });
  t.after(() => holder.app.close());
  const taken = Number(new URL(holder.probeUrl ?? '').port);
  const webPort = await freePort();
  await assert.rejects(
    startWebServer(service, { host: '127.0.0.1', port: webPort, probePort: taken }),
    /EADDRINUSE/,
  );
  const again = await startWebServer(service, { host: '127.0.0.1', port: webPort });
  await again.app.close();
});
