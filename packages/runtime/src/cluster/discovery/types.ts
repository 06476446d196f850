/**
 * Discovery: sources of candidate addresses for the node layer to dial.
 *
 * A `Discovery` calls its listener with its current view — every candidate it knows right now —
 * whenever that view may have changed (polling sources after every successful poll). The view
 * is a hint: the node layer dials the candidates it is not connected to and lets the handshake
 * decide who is real. A candidate that disappears from the view is not a failure signal; the
 * failure detector decides that.
 *
 * Example:
 * ```ts
 * const discovery = combineDiscovery(new StaticDiscovery({ seeds: ['10.0.0.5:4800'] }), dns);
 * await discovery.start((candidates) => { for (const c of candidates) dialIfNew(c); });
 * await discovery.stop();
 * ```
 *
 * Implementations: `StaticDiscovery` (seed list), `DnsDiscovery` (A/AAAA + port, or SRV, as a
 * Kubernetes headless service answers), `GossipDiscovery` (authenticated UDP announcements on the
 * local network), `combineDiscovery` (union of several).
 */
import type { Logger } from 'pino';
import type { PeerAddress } from '../transport/types.ts';

export interface Candidate extends PeerAddress {
  /** The node's full name (`name@host:port`, as its `localName`) when the source knows it. */
  readonly name?: string;
}

export interface Discovery {
  /** Begins discovering; resolves once the source is running (sockets bound, first poll sent). */
  start(listener: (candidates: readonly Candidate[]) => void): Promise<void>;
  /** Stops timers and sockets; the listener is not called afterwards. */
  stop(): Promise<void>;
}

/** What a discovery factory learns about the node it serves (known only once its port is bound). */
export interface DiscoveryContext {
  /** The node's full name, `name@host:port`: what gossip announces. */
  readonly localName: string;
  readonly cookie: string;
  /** The address peers dial (advertised host, bound port). */
  readonly address: PeerAddress;
  readonly logger: Logger;
}

/**
 * A discovery source, or a factory for one that needs the node's bound address or name (gossip
 * announces `localName`; DNS A records need the port every node listens on).
 */
export type DiscoverySource = Discovery | ((context: DiscoveryContext) => Discovery);

/**
 * Parses `host:port`, `[v6]:port` or `name@host:port` (then `name` is the whole text, the node's
 * full name). Throws `TypeError` for anything else.
 */
export function parseCandidate(text: string): Candidate {
  const at = text.lastIndexOf('@');
  const name = at > 0 ? text : undefined;
  const rest = at > 0 ? text.slice(at + 1) : text;
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(rest);
  const port = match ? Number(match[3]) : NaN;
  const host = match ? (match[1] ?? match[2]) : undefined;
  if (!host || !(port > 0 && port < 65536))
    throw new TypeError(`not an address (host:port): ${JSON.stringify(text)}`);
  return name === undefined ? { host, port } : { host, port, name };
}

/** Sorted, de-duplicated by host and port (the first name seen wins). */
export function normalizeCandidates(candidates: Iterable<Candidate>): Candidate[] {
  const byAddress = new Map<string, Candidate>();
  for (const c of candidates) {
    const key = `${c.host}:${c.port}`;
    if (!byAddress.has(key)) byAddress.set(key, c);
  }
  return [...byAddress.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}
