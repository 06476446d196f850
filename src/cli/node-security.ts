/**
 * Resolves a node's security flags into what it runs with: the cluster cookie, mutual TLS for the
 * mesh, and the web server's token, HTTPS, Host allowlist and chaos switch. The file reads happen
 * here, once, before anything binds.
 *
 * ```ts
 * const security = await resolveNodeSecurity(options); // throws NodeSecurityError / SecretFileError
 * await startNode({ name, cookie: security.cookie, ...(security.tls ? { tls: security.tls } : {}) });
 * ```
 *
 * The cookie, first found wins: `--cookie`, `--cookie-file`, `$SUPERHERO_COOKIE` (the CLI merges
 * the flag and the environment into `cookie`), then, with TLS, one derived from the cluster CA
 * (every node holding the CA derives the same; TLS authenticates the peers), then, on a loopback
 * cluster address only, `<data-dir>/cookie`, generated once. A non-loopback cluster address with
 * none of these is refused (`cookie_required`): a node never guesses a secret for the network.
 *
 * The web token, first found wins: `--web-token-file`, `$SUPERHERO_WEB_TOKEN`, then, when the web
 * host is not loopback, `<data-dir>/web-token` (generated once, mode 0400; its path is logged, the
 * token never). On a loopback web host without either, no token is asked.
 *
 * When not to use: flag validation is `security-options.ts`; enforcement is the transport's and the
 * web server's.
 */
import { CodedError } from '@superhero-dispatch/runtime';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TcpTlsOptions } from '@superhero-dispatch/runtime/cluster';
import type { AccessOptions, WebServerOptions } from '../dispatch/web/index.ts';
import { isLoopbackHost } from '../dispatch/web/index.ts';
import { ensureSecretFile, readSecretFile } from './secrets.ts';
import { TLS_INCOMPLETE, tlsComplete } from './security-options.ts';

export type CookieSource = 'given' | 'file' | 'tls-ca' | 'generated';

export interface NodeSecurity {
  readonly cookie: string;
  readonly cookieSource: CookieSource;
  readonly tls: TcpTlsOptions | undefined;
  /** Web server options: access, chaos, HTTPS, and the hero cap (its count is the node's). */
  readonly web: {
    readonly access: AccessOptions;
    readonly chaos: boolean;
    readonly https: WebServerOptions['https'];
    readonly maxHeroes: number;
  };
  /** Where a generated web token was written, for the log line; undefined otherwise. */
  readonly webTokenFile: string | undefined;
}

/** The flags this resolution reads (a subset of `NodeCliOptions`). */
export interface NodeSecurityInput {
  readonly host: string;
  readonly dataDir: string;
  readonly cookie?: string | undefined;
  readonly cookieFile?: string | undefined;
  readonly webHost: string;
  readonly webToken?: string | undefined;
  readonly webTokenFile?: string | undefined;
  readonly publicRead: boolean;
  readonly webOrigin: readonly string[];
  readonly chaos: boolean;
  readonly maxHeroes: number;
  readonly tlsCert?: string | undefined;
  readonly tlsKey?: string | undefined;
  readonly tlsCa?: string | undefined;
}

/** A node refused to start for a security reason; `code` is stable. */
export class NodeSecurityError extends CodedError<
  'cookie_required' | 'unreadable_tls_file' | 'tls_incomplete'
> {
  constructor(code: NodeSecurityError['code'], message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The handshake cookie of a TLS cluster that set none: a hash of the CA, the same on every node. */
export function cookieFromCa(ca: Buffer): string {
  return createHash('sha256').update('superhero cluster cookie from CA\n').update(ca).digest('base64url');
}

async function readPem(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new NodeSecurityError(
      'unreadable_tls_file',
      `cannot read the TLS ${what} ${path}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

async function resolveTls(o: NodeSecurityInput): Promise<TcpTlsOptions | undefined> {
  if (!tlsComplete(o)) throw new NodeSecurityError('tls_incomplete', TLS_INCOMPLETE);
  if (o.tlsCert === undefined || o.tlsKey === undefined || o.tlsCa === undefined) return undefined;
  const [cert, key, ca] = await Promise.all([
    readPem(o.tlsCert, 'certificate'),
    readPem(o.tlsKey, 'key'),
    readPem(o.tlsCa, 'CA'),
  ]);
  // Certificates name nodes, not hosts: the peer's certificate must name the node it claims to be.
  return { ca, cert, key, verifyHostname: false, bindNodeName: true };
}

async function resolveCookie(
  o: NodeSecurityInput,
  tls: TcpTlsOptions | undefined,
): Promise<{ cookie: string; source: CookieSource }> {
  if (o.cookie !== undefined) return { cookie: o.cookie, source: 'given' };
  if (o.cookieFile !== undefined) return { cookie: await readSecretFile(o.cookieFile), source: 'file' };
  if (tls !== undefined) return { cookie: cookieFromCa(Buffer.from(tls.ca as Buffer)), source: 'tls-ca' };
  if (!isLoopbackHost(o.host)) {
    throw new NodeSecurityError(
      'cookie_required',
      `the cluster address ${o.host} is not loopback: give the cluster's cookie (--cookie-file, $SUPERHERO_COOKIE or --cookie) or TLS (--tls-cert, --tls-key, --tls-ca)`,
    );
  }
  const { secret } = await ensureSecretFile(join(o.dataDir, 'cookie'));
  return { cookie: secret, source: 'generated' };
}

async function resolveWebToken(
  o: NodeSecurityInput,
): Promise<{ token: string | undefined; file: string | undefined }> {
  if (o.webTokenFile !== undefined) return { token: await readSecretFile(o.webTokenFile), file: undefined };
  if (o.webToken !== undefined) return { token: o.webToken, file: undefined };
  if (isLoopbackHost(o.webHost)) return { token: undefined, file: undefined };
  const file = join(o.dataDir, 'web-token');
  return { token: (await ensureSecretFile(file)).secret, file };
}

export async function resolveNodeSecurity(o: NodeSecurityInput): Promise<NodeSecurity> {
  const tls = await resolveTls(o);
  const { cookie, source } = await resolveCookie(o, tls);
  const { token, file } = await resolveWebToken(o);
  return {
    cookie,
    cookieSource: source,
    tls,
    web: {
      access: {
        ...(token === undefined ? {} : { token }),
        publicRead: o.publicRead,
        allowedHosts: o.webOrigin,
      },
      chaos: o.chaos,
      https: tls === undefined ? undefined : { key: tls.key as Buffer, cert: tls.cert as Buffer },
      maxHeroes: o.maxHeroes,
    },
    webTokenFile: file,
  };
}
