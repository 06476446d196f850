/**
 * Who may ask what of a node's web server: the `Host` allowlist, the bearer token and the
 * same-origin rule for state-changing requests. One decision per request, before any route runs.
 *
 * ```ts
 * const check = accessCheck({ token: 'k3…', publicRead: false, allowedHosts: ['dispatch.example.com'] });
 * app.addHook('onRequest', async (request) => check(request)); // throws the refusal
 * ```
 *
 * In order (the first failing rule answers):
 * 1. `Host` must be allowed (`loopback.ts`): an IP literal, `localhost`, or a `--web-origin` name.
 *    403 `forbidden_host`. This is what stops DNS rebinding.
 * 2. With a token: state-changing requests (any method but GET/HEAD/OPTIONS) need
 *    `Authorization: Bearer <token>`, and so do reads unless `publicRead`; 401 `unauthorized`.
 *    `/livez`, `/readyz` and `/assets/*` stay open (probes, static scripts). Without a token (a
 *    loopback-only server) everything is open to this machine.
 * 3. A state-changing request from a browser must come from this node's own page: an `Origin`
 *    header must name the `Host` it was sent to, and `Sec-Fetch-Site` (when sent) must be
 *    `same-origin` or `none`; 403 `forbidden_origin`. The page uses `fetch` with a JSON body, so a
 *    cross-site form or script cannot send one that passes (CSRF).
 *
 * The token is compared in constant time (SHA-256 of both sides, then `timingSafeEqual`).
 *
 * When not to use: per-client limits are `connection-limits.ts` and the event route's caps.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ForbiddenHostError, ForbiddenOriginError, UnauthorizedError } from './errors.ts';
import { hostAllowed } from './loopback.ts';

export interface AccessOptions {
  /**
   * Bearer token required for state-changing requests (and reads, unless `publicRead`). Default
   * none: every request is open, which is only safe on a loopback bind (`startWebServer` refuses
   * a non-loopback host without one).
   */
  readonly token?: string;
  /** With a token: the page and the read-only API stay open to everyone. Default false. */
  readonly publicRead?: boolean;
  /** Host names answered besides IP literals and `localhost` (lower case). Default none. */
  readonly allowedHosts?: readonly string[];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ALWAYS_OPEN = /^\/(livez|readyz)(\?|$)|^\/assets\//;
const PROBES = /^\/(livez|readyz)(\?|$)/;

/** `/livez` and `/readyz`: cheap, open, and answered even on a connection over the caps. */
export function isProbe(url: string): boolean {
  return PROBES.test(url);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The bearer token of an `Authorization` header; undefined when there is none. */
export function bearerOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m?.[1];
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** The request gate: throws the refusal (an `HttpRefusal`), returns when the request may go on. */
export function accessCheck(options: AccessOptions): (request: FastifyRequest) => void {
  const allowed = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()));
  const expected = options.token === undefined ? undefined : digest(options.token);
  const publicRead = options.publicRead ?? false;
  return (request) => {
    const host = request.headers.host;
    if (!hostAllowed(host, allowed)) throw new ForbiddenHostError(host);
    const mutating = !SAFE_METHODS.has(request.method);
    if (expected !== undefined && (mutating || !publicRead) && !ALWAYS_OPEN.test(request.url)) {
      const given = bearerOf(request.headers.authorization);
      if (given === undefined) throw new UnauthorizedError(true);
      if (!timingSafeEqual(digest(given), expected)) throw new UnauthorizedError(false);
    }
    if (!mutating) return;
    const origin = request.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, host)) throw new ForbiddenOriginError(origin);
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      throw new ForbiddenOriginError(origin ?? `a ${String(site)} page`);
    }
  };
}
