/**
 * Discovery: where the node layer finds addresses to dial — a static seed list, DNS (A/AAAA or
 * SRV, as a Kubernetes headless service answers) and authenticated UDP gossip on the local
 * network, alone or combined.
 */
export type { Candidate, Discovery, DiscoveryContext, DiscoverySource } from './types.ts';
export { parseCandidate, normalizeCandidates } from './types.ts';
export { StaticDiscovery } from './static.ts';
export type { StaticDiscoveryOptions } from './static.ts';
export { DnsDiscovery } from './dns.ts';
export type { DnsDiscoveryOptions } from './dns.ts';
export { GossipDiscovery, GOSSIP_DEFAULTS } from './gossip.ts';
export type { GossipDiscoveryOptions, GossipDelivery, GossipStats } from './gossip.ts';
export {
  encodeAnnouncement,
  decodeAnnouncement,
  GOSSIP_MAGIC,
  MAX_ANNOUNCEMENT_BYTES,
} from './gossip-packet.ts';
export type { Announcement, DecodedAnnouncement } from './gossip-packet.ts';
export { combineDiscovery } from './combine.ts';
export { DiscoveryStartError } from './errors.ts';
export { parseDiscoverySpecs, discoveryFromSpecs } from './spec.ts';
export type { DiscoverySpec, DiscoveryFromSpecsOptions } from './spec.ts';
