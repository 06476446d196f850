// Two `superhero node` processes started with --tls-cert/--tls-key/--tls-ca (certificates made by
// openssl in this test, named after the nodes) and no cookie, on this host's non-loopback address:
// they form a cluster over mutual TLS (the cookie derived from the CA), serve HTTPS on the web port
// with the same certificate, and a third process holding a valid certificate of another name is
// not admitted under the name it claims.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../packages/runtime/src/testing/free-port.ts';
import type { NodeProc } from '../multiprocess/procs.ts';
import { launch, stopProcs, waitFor } from '../multiprocess/procs.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function interfaceAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

function openssl(): string | false {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'the openssl CLI is not installed';
  }
}

/** A CA and one certificate per name (CN and DNS SAN = the node name, IP SAN = `ip`). */
function makeCertificates(dir: string, names: string[], ip: string): void {
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-ca');
  for (const name of names) {
    writeFileSync(
      join(dir, `${name}.cnf`),
      `subjectAltName=DNS:${name},IP:${ip}\nextendedKeyUsage=serverAuth,clientAuth\n`,
    );
    ossl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    ossl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.cnf`,
    );
  }
}

function getJson(
  host: string,
  port: number,
  path: string,
  ca: Buffer,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, ca, agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as unknown }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end();
  });
}

const host = interfaceAddress();
const skip = host === undefined ? 'this host has no non-loopback IPv4 address' : openssl();

test(
  'nodes with --tls-* and no cookie form a cluster over mutual TLS and serve HTTPS; a certificate of another name is not admitted',
  { skip, timeout: 240_000 },
  async (t) => {
    const ip = host ?? '';
    const dir = mkdtempSync(join(tmpdir(), 'tls-cli-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    makeCertificates(dir, ['gotham', 'metropolis', 'intruder'], ip);
    const ca = readFileSync(join(dir, 'ca.crt'));
    const tlsFlags = (cert: string): string[] => [
      '--tls-cert',
      join(dir, `${cert}.crt`),
      '--tls-key',
      join(dir, `${cert}.key`),
      '--tls-ca',
      join(dir, 'ca.crt'),
    ];
    const names = ['gotham', 'metropolis', 'capitol'];
    const ports = await Promise.all(names.map(() => freePort()));
    const webPorts = await Promise.all(names.map(() => freePort()));
    const seeds = names.map((n, i) => `${n}@${ip}:${ports[i]}`).join(',');
    const procs: NodeProc[] = names.map((name, i) => ({
      name,
      port: ports[i] as number,
      webPort: webPorts[i] as number,
      child: undefined as never,
      output: '',
      // No cookie: with TLS the nodes derive it from the CA. capitol holds the intruder's certificate.
      args: [
        '--import',
        'tsx',
        MAIN,
        'node',
        '--name',
        name,
        '--host',
        ip,
        '--port',
        String(ports[i]),
        '--web-host',
        ip,
        '--web-port',
        String(webPorts[i]),
        '--public-read',
        '--seeds',
        seeds,
        '--store',
        'crdt',
        '--data-dir',
        join(dir, `data-${name}`),
        '--log-level',
        'warn',
        ...tlsFlags(name === 'capitol' ? 'intruder' : name),
      ],
    }));
    const saved = process.env.SUPERHERO_COOKIE;
    delete process.env.SUPERHERO_COOKIE;
    try {
      for (const p of procs) launch(p);
    } finally {
      if (saved !== undefined) process.env.SUPERHERO_COOKIE = saved;
    }
    t.after(() => stopProcs(procs));
    const [gotham, metropolis] = procs as [NodeProc, NodeProc];

    type Cluster = { nodes: { name: string; status: string }[] };
    const view = async (port: number): Promise<Cluster | undefined> =>
      (await getJson(ip, port, '/api/cluster', ca).catch(() => undefined))?.json as Cluster | undefined;
    await waitFor(
      async () => {
        const v = await view(gotham.webPort);
        return v?.nodes.some((n) => n.name === 'metropolis' && n.status === 'up') === true;
      },
      60_000,
      `gotham sees metropolis up over TLS: ${gotham.output}`,
    );
    // metropolis joins the mesh before its web server listens: wait for the listener.
    let status = 0;
    let lastError = '';
    await waitFor(
      async () => {
        status = await getJson(ip, metropolis.webPort, '/livez', ca).then(
          (r) => r.status,
          (err: unknown) => ((lastError = String(err)), 0),
        );
        return status !== 0;
      },
      60_000,
      'metropolis serves HTTPS',
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${lastError}; its output: ${metropolis.output}`, { cause: err });
    });
    assert.equal(status, 200, 'HTTPS with the node certificate');
    await waitFor(
      () => /ERR_PEER_IDENTITY/.test(gotham.output + metropolis.output),
      30_000,
      'the intruder refused by name',
    );
    const v = await view(gotham.webPort);
    assert.ok(!v?.nodes.some((n) => n.name === 'capitol' && n.status === 'up'), JSON.stringify(v));
  },
);
