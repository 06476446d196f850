/**
 * Which addresses and host names are this machine only, and which `Host` headers a node answers to.
 *
 * ```ts
 * isLoopbackHost('127.0.0.1'); // true
 * isLoopbackHost('0.0.0.0');   // false: every interface
 * hostAllowed('evil.example:4900', new Set()); // false: a name nobody configured (DNS rebinding)
 * hostAllowed('10.0.0.5:4900', new Set());     // true: an IP literal cannot be rebound
 * ```
 *
 * Rules of the `Host` allowlist: IP literals (v4, or v6 in brackets), `localhost` and names under
 * `.localhost` are always allowed; any other name only when listed (`--web-origin`). A page served
 * under a name the attacker controls, which resolves to this node only later (DNS rebinding), thus
 * never gets an answer.
 *
 * When not to use: this says nothing about who the client is; that is the bearer token's job.
 */
import { isIP } from 'node:net';

/** True for `localhost`, 127.0.0.0/8, `::1` and their IPv4-mapped forms: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** The host name of a `Host` header (`name`, `name:port`, `[v6]:port`), lower case; undefined if malformed. */
export function hostNameOf(header: string): string | undefined {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return undefined;
    const rest = h.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    return h.slice(1, end);
  }
  const m = /^([a-z0-9._-]+)(:\d{1,5})?$/.exec(h);
  return m?.[1];
}

/** True when a request carrying `Host: header` may be answered (see the rules above). */
export function hostAllowed(header: string | undefined, extra: ReadonlySet<string>): boolean {
  if (header === undefined) return false;
  const name = hostNameOf(header);
  if (name === undefined || name === '') return false;
  if (isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return extra.has(name);
}
