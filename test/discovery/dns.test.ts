// DNS discovery against a small DNS server started by the test on 127.0.0.1 (dns-packet),
// answering A, AAAA and SRV the way a Kubernetes headless service does.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DnsDiscovery } from '../../packages/runtime/src/cluster/discovery/dns.ts';
import type { Candidate } from '../../packages/runtime/src/cluster/discovery/types.ts';
import { captureLogs, waitFor } from '../../packages/runtime/src/testing/conformance/transport.ts';
import { startDnsServer } from '../cluster/dns-server.ts';
import type { TestDnsServer } from '../cluster/dns-server.ts';

let dnsServer: TestDnsServer;
let serverAddress = '';

/** A headless service's records for `pods`, as the test server's zone. */
function setZone(pods: string[]): void {
  dnsServer.clear();
  const service = 'superhero.default.svc.cluster.local';
  dnsServer.set(
    'A',
    service,
    pods.map((ip) => ({ type: 'A', name: service, ttl: 5, data: ip })),
  );
  dnsServer.set('AAAA', service, [{ type: 'AAAA', name: service, ttl: 5, data: 'fd00::1' }]);
  dnsServer.set(
    'SRV',
    `_dist._tcp.${service}`,
    pods.map((ip, i) => ({
      type: 'SRV',
      name: `_dist._tcp.${service}`,
      ttl: 5,
      data: { priority: 0, weight: 10, port: 4800 + i, target: `pod-${ip.replaceAll('.', '-')}.${service}` },
    })),
  );
  for (const ip of pods) {
    dnsServer.set('A', `pod-${ip.replaceAll('.', '-')}.${service}`, [
      { type: 'A', name: `pod-${ip.replaceAll('.', '-')}.${service}`, ttl: 5, data: ip },
    ]);
  }
  // A target with no address records: discovery falls back to its name.
  dnsServer.set('SRV', `_legacy._tcp.${service}`, [
    {
      type: 'SRV',
      name: `_legacy._tcp.${service}`,
      ttl: 5,
      data: { priority: 0, weight: 1, port: 4900, target: 'bare.example' },
    },
  ]);
}

before(async () => {
  dnsServer = await startDnsServer();
  serverAddress = dnsServer.address;
});

after(() => dnsServer.close());

const hosts = (candidates: readonly Candidate[]) => candidates.map((c) => `${c.host}:${c.port}`);

describe('DNS discovery', () => {
  it('offers every A and AAAA record of a headless service with the configured port', async () => {
    setZone(['10.0.0.5', '10.0.0.6']);
    const dns = new DnsDiscovery({
      query: 'superhero.default.svc.cluster.local',
      port: 4800,
      servers: [serverAddress],
    });
    const view = await dns.poll();
    assert.deepEqual(hosts(view!), ['10.0.0.5:4800', '10.0.0.6:4800', 'fd00::1:4800']);
  });

  it('offers SRV targets resolved to addresses, each with its own port', async () => {
    setZone(['10.0.0.5', '10.0.0.6']);
    const dns = new DnsDiscovery({
      query: '_dist._tcp.superhero.default.svc.cluster.local',
      records: 'srv',
      servers: [serverAddress],
    });
    assert.deepEqual(hosts((await dns.poll())!), ['10.0.0.5:4800', '10.0.0.6:4801']);
  });

  it('falls back to the SRV target name when it has no address records', async () => {
    setZone([]);
    const dns = new DnsDiscovery({
      query: '_legacy._tcp.superhero.default.svc.cluster.local',
      records: 'srv',
      servers: [serverAddress],
    });
    assert.deepEqual(hosts((await dns.poll())!), ['bare.example:4900']);
  });

  it('re-polls and offers pods that appeared since the last poll', async () => {
    setZone(['10.0.0.5']);
    const dns = new DnsDiscovery({
      query: 'superhero.default.svc.cluster.local',
      port: 4800,
      servers: [serverAddress],
      intervalMs: 50,
    });
    const views: string[][] = [];
    await dns.start((view) => views.push(hosts(view)));
    try {
      await waitFor(() => views.length >= 1, 2000, 'the first view');
      assert.deepEqual(views[0], ['10.0.0.5:4800', 'fd00::1:4800']);
      setZone(['10.0.0.5', '10.0.0.7']);
      await waitFor(() => views.at(-1)!.includes('10.0.0.7:4800'), 2000, 'the new pod');
    } finally {
      await dns.stop();
    }
    const count = views.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(views.length, count, 'offered a view after stop()');
  });

  it('offers an empty view for a name that does not exist', async () => {
    setZone([]);
    const dns = new DnsDiscovery({ query: 'nobody.example', port: 4800, servers: [serverAddress] });
    assert.deepEqual(await dns.poll(), []);
  });

  it('offers nothing (and logs) when the server does not answer, rather than an empty view', async () => {
    setZone(['10.0.0.5']);
    dnsServer.silent = true;
    const logs = captureLogs();
    const dns = new DnsDiscovery({
      query: 'superhero.default.svc.cluster.local',
      port: 4800,
      servers: [serverAddress],
      timeoutMs: 200,
      logger: logs.logger,
    });
    try {
      const before = dnsServer.queries;
      assert.equal(await dns.poll(), undefined);
      assert.ok(dnsServer.queries > before, 'the resolver did not use the configured server');
      assert.ok(logs.records.some((r) => r['msg'] === 'DNS discovery query failed'));
    } finally {
      dnsServer.silent = false;
    }
  });

  it('requires a port for A records', () => {
    assert.throws(() => new DnsDiscovery({ query: 'x.example' }), RangeError);
  });
});
