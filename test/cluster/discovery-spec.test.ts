// Discovery as the command line gives it: `--discovery static|dns:<name>[:srv]|gossip[:<port>[:<address>]]`
// and `--dns-servers`, validated once at the edge.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { DnsDiscovery } from '../../packages/runtime/src/cluster/discovery/dns.ts';
import { GossipDiscovery } from '../../packages/runtime/src/cluster/discovery/gossip.ts';
import {
  discoveryFromSpecs,
  parseDiscoverySpecs,
} from '../../packages/runtime/src/cluster/discovery/spec.ts';
import type { DiscoveryContext } from '../../packages/runtime/src/cluster/discovery/types.ts';
import { nodeOptionsSchema } from '../../src/cli/config.ts';

test('each discovery form parses; several are separated by commas', () => {
  assert.deepEqual(parseDiscoverySpecs('static'), [{ kind: 'static' }]);
  assert.deepEqual(parseDiscoverySpecs(''), []);
  assert.deepEqual(parseDiscoverySpecs('dns:heroes.default.svc.cluster.local'), [
    { kind: 'dns', name: 'heroes.default.svc.cluster.local', records: 'a' },
  ]);
  assert.deepEqual(parseDiscoverySpecs('dns:_dist._tcp.heroes.svc:srv'), [
    { kind: 'dns', name: '_dist._tcp.heroes.svc', records: 'srv' },
  ]);
  assert.deepEqual(parseDiscoverySpecs('gossip'), [{ kind: 'gossip', port: 45892 }]);
  assert.deepEqual(parseDiscoverySpecs('gossip:5000, gossip:5001:127.255.255.255'), [
    { kind: 'gossip', port: 5000 },
    { kind: 'gossip', port: 5001, address: '127.255.255.255' },
  ]);
});

test('malformed discovery is refused with a message naming the entry', () => {
  for (const bad of [
    'dns',
    'dns:',
    'dns:a..b',
    'dns:x:aaaa',
    'dns:x:srv:1',
    'gossip:0',
    'gossip:70000',
    'gossip:12x',
    'gossip:1:not-an-ip',
    'mdns',
    'static:1',
  ]) {
    assert.throws(
      () => parseDiscoverySpecs(bad),
      (err: unknown) => err instanceof TypeError && err.message.includes(JSON.stringify(bad)),
      bad,
    );
  }
});

test('the node command validates --discovery and --dns-servers, defaulting to static and the system resolvers', () => {
  const defaults = nodeOptionsSchema.parse({ name: 'gotham' });
  assert.deepEqual(defaults.discovery, [{ kind: 'static' }]);
  assert.deepEqual(defaults.dnsServers, []);
  const parsed = nodeOptionsSchema.parse({
    name: 'gotham',
    discovery: 'dns:heroes.svc:srv,gossip:45900',
    dnsServers: '10.0.0.10, 127.0.0.1:5353',
  });
  assert.deepEqual(parsed.discovery, [
    { kind: 'dns', name: 'heroes.svc', records: 'srv' },
    { kind: 'gossip', port: 45900 },
  ]);
  assert.deepEqual(parsed.dnsServers, ['10.0.0.10', '127.0.0.1:5353']);
  const bad = nodeOptionsSchema.safeParse({ name: 'gotham', discovery: 'gossip:nope' });
  assert.equal(bad.success, false);
  assert.match(bad.error!.issues[0]!.message, /gossip port/);
});

test('specs become sources for startNode: DNS A records at the node own port, gossip announcing its name', () => {
  const context: DiscoveryContext = {
    localName: 'gotham@127.0.0.1:4370',
    cookie: 'discovery-spec-cookie',
    address: { host: '127.0.0.1', port: 4370 },
    logger: pino({ level: 'silent' }),
  };
  const sources = discoveryFromSpecs(
    parseDiscoverySpecs('static,dns:heroes.svc,gossip:45900:127.255.255.255'),
    {
      dnsServers: ['127.0.0.1:5353'],
    },
  );
  assert.equal(sources.length, 2);
  const built = sources.map((s) => (typeof s === 'function' ? s(context) : s));
  assert.ok(built[0] instanceof DnsDiscovery);
  assert.ok(built[1] instanceof GossipDiscovery);
});
