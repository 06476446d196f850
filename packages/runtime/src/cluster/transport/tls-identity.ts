/**
 * Binding node names to TLS certificates: with mutual TLS, a peer may only claim (in the cookie
 * handshake) a node name its certificate carries, as its subject CN or as a DNS subject
 * alternative name. A certificate stolen from one node thus cannot impersonate another.
 *
 * ```ts
 * certificateNames(socket.getPeerCertificate()); // ['gotham', 'gotham.example.com']
 * const refusal = checkPeerName(names, 'metropolis'); // PeerIdentityError: the cert names gotham
 * ```
 *
 * Matching is exact (node names are lower-case letters, digits, `-` and `_`; DNS names are compared
 * without case). When not to use: host-name verification of the dialled address is TLS's own
 * (`verifyHostname`).
 */
import type { PeerCertificate } from 'node:tls';
import { WireError } from '../../wire/errors.ts';

/** The peer's certificate does not name the node it claimed to be. */
export class PeerIdentityError extends WireError {
  readonly claimed: string;
  constructor(claimed: string, names: readonly string[]) {
    super(
      'ERR_PEER_IDENTITY',
      `peer claims to be ${JSON.stringify(claimed)} but its certificate names ${names.length === 0 ? 'nothing' : names.map((n) => JSON.stringify(n)).join(', ')}`,
    );
    this.claimed = claimed;
  }
}

/** The subject CN and every DNS subject alternative name of `cert`, lower case. */
export function certificateNames(
  cert: Pick<PeerCertificate, 'subject' | 'subjectaltname'> | undefined,
): string[] {
  if (cert === undefined || cert === null) return [];
  const names: string[] = [];
  const cn = (cert.subject as { CN?: string | string[] } | undefined)?.CN;
  for (const value of Array.isArray(cn) ? cn : cn === undefined ? [] : [cn]) names.push(value.toLowerCase());
  for (const entry of (cert.subjectaltname ?? '').split(',')) {
    const m = /^\s*DNS:(.+?)\s*$/.exec(entry);
    if (m?.[1] !== undefined) names.push(m[1].toLowerCase());
  }
  return names;
}

/** undefined when the short name of `claimed` (`gotham` of `gotham@host:port`) is among `names`, else the refusal. */
export function checkPeerName(names: readonly string[], claimed: string): PeerIdentityError | undefined {
  const at = claimed.indexOf('@');
  const short = (at < 0 ? claimed : claimed.slice(0, at)).toLowerCase();
  return names.includes(short) ? undefined : new PeerIdentityError(claimed, names);
}
