/**
 * Discovery from text, as a command line gives it: `static`, `dns:<name>[:srv]`,
 * `gossip[:<port>[:<address>]]`, several separated by commas.
 *
 * - `static` — the seed list only (what you get with no discovery at all);
 * - `dns:<name>` — the A/AAAA records of `<name>` (a Kubernetes headless service), each dialled
 *   at this node's own cluster port (every node listens on the same port there);
 * - `dns:<name>:srv` — the SRV records of `<name>`, which carry each node's port;
 * - `gossip` — authenticated UDP announcements on the local network, port 45892, multicast group
 *   233.252.1.32; `gossip:<port>` on another port; `gossip:<port>:<address>` to another group
 *   (224.0.0.0/4) or, for any other address, by broadcast (`127.255.255.255` on one machine
 *   without a multicast route).
 *
 * Example:
 * ```ts
 * const specs = parseDiscoverySpecs('dns:superhero.default.svc.cluster.local,gossip');
 * await startNode({ name, cookie, discovery: discoveryFromSpecs(specs, { dnsServers: ['10.0.0.10'] }) });
 * ```
 *
 * API: `parseDiscoverySpecs(text)` (throws `TypeError` naming the bad entry),
 * `discoveryFromSpecs(specs, options)` → factories for `startNode({ discovery })`.
 */
import { DnsDiscovery } from './dns.ts';
import { GOSSIP_DEFAULTS, GossipDiscovery } from './gossip.ts';
import type { GossipDelivery } from './gossip.ts';
import type { DiscoveryContext, DiscoverySource } from './types.ts';

export type DiscoverySpec =
  | { readonly kind: 'static' }
  | { readonly kind: 'dns'; readonly name: string; readonly records: 'a' | 'srv' }
  | { readonly kind: 'gossip'; readonly port: number; readonly address?: string };

export interface DiscoveryFromSpecsOptions {
  /** DNS servers (`ip` or `ip:port`). Default: the system's resolvers. */
  readonly dnsServers?: readonly string[];
  /** DNS re-poll period, ms. Default 5 000 (see `DnsDiscovery`). */
  readonly dnsIntervalMs?: number;
  /** Gossip announcement period, ms. Default 2 000 (see `GossipDiscovery`). */
  readonly gossipIntervalMs?: number;
}

const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses a comma-separated list of specs; an empty text is `[]`. Throws `TypeError`. */
export function parseDiscoverySpecs(text: string): DiscoverySpec[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map(parseOne);
}

function parseOne(text: string): DiscoverySpec {
  const [kind, ...rest] = text.split(':');
  if (kind === 'static' && rest.length === 0) return { kind: 'static' };
  if (kind === 'dns') {
    const [name, records, extra] = rest;
    if (name === undefined || !DNS_NAME.test(name) || extra !== undefined) {
      throw new TypeError(`bad discovery ${JSON.stringify(text)}: expected dns:<name> or dns:<name>:srv`);
    }
    if (records !== undefined && records !== 'srv') {
      throw new TypeError(`bad discovery ${JSON.stringify(text)}: the only record option is "srv"`);
    }
    return { kind: 'dns', name, records: records === 'srv' ? 'srv' : 'a' };
  }
  if (kind === 'gossip' && rest.length <= 2) {
    const [portText, address] = rest;
    const port = portText === undefined ? GOSSIP_DEFAULTS.port : Number(portText);
    if (
      !(Number.isInteger(port) && port > 0 && port < 65536) ||
      (portText !== undefined && !/^\d+$/.test(portText))
    ) {
      throw new TypeError(`bad discovery ${JSON.stringify(text)}: gossip port must be 1-65535`);
    }
    if (address !== undefined && !IPV4.test(address)) {
      throw new TypeError(`bad discovery ${JSON.stringify(text)}: gossip address must be an IPv4 address`);
    }
    return address === undefined ? { kind: 'gossip', port } : { kind: 'gossip', port, address };
  }
  throw new TypeError(
    `bad discovery ${JSON.stringify(text)}: expected static, dns:<name>[:srv] or gossip[:<port>[:<address>]]`,
  );
}

/** Factories for `startNode({ discovery })`; `static` yields none (the seed list covers it). */
export function discoveryFromSpecs(
  specs: readonly DiscoverySpec[],
  options: DiscoveryFromSpecsOptions = {},
): DiscoverySource[] {
  const sources: DiscoverySource[] = [];
  for (const spec of specs) {
    if (spec.kind === 'dns') {
      sources.push(({ address, logger }: DiscoveryContext) => {
        return new DnsDiscovery({
          query: spec.name,
          records: spec.records,
          ...(spec.records === 'a' ? { port: address.port } : {}),
          ...(options.dnsServers ? { servers: options.dnsServers } : {}),
          ...(options.dnsIntervalMs ? { intervalMs: options.dnsIntervalMs } : {}),
          logger,
        });
      });
    } else if (spec.kind === 'gossip') {
      sources.push(({ localName, cookie, logger }: DiscoveryContext) => {
        return new GossipDiscovery({
          localName,
          cookie,
          port: spec.port,
          ...(spec.address ? { delivery: gossipDelivery(spec.address) } : {}),
          ...(options.gossipIntervalMs ? { intervalMs: options.gossipIntervalMs } : {}),
          logger,
        });
      });
    }
  }
  return sources;
}

/** A group in 224.0.0.0/4 is multicast (TTL 1); any other address is a broadcast address. */
function gossipDelivery(address: string): GossipDelivery {
  const first = Number(address.split('.')[0]);
  return first >= 224 && first <= 239 ? { multicast: address, ttl: 1 } : { broadcast: address };
}
