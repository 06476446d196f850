/**
 * The security flags shared by `superhero start` and `superhero node`, their validation (zod, once
 * at the edge) and their registration on a commander command. See `docs/security.md`.
 *
 * ```ts
 * addSecurityFlags(program.command('node'), 'node');
 * const schema = z.object({ ...otherFields, ...securityFields });
 * ```
 *
 * | flag | default | meaning |
 * | --- | --- | --- |
 * | `--cookie-file` | `<data-dir>/cookie`, generated on loopback | file holding the cluster cookie (mode 0400 or 0600) |
 * | `--web-host` | `127.0.0.1` | interface of the page and HTTP API, apart from the cluster's `--host` |
 * | `--web-token-file` | `<data-dir>/web-token`, generated when `--web-host` is not loopback | bearer token of the HTTP API |
 * | `--public-read` | off | the page and read-only API open to anyone on a non-loopback web host |
 * | `--web-origin` | none | further host names the page may be reached by (the `Host` allowlist) |
 * | `--chaos` | on for `start`, off for `node` | the chaos routes: destroy, shutdown, restart, partition, heal |
 * | `--max-heroes` | 20,000 | heroes the cluster accepts; creating one more is refused (503) |
 * | `--rate-limit` | 20 (`$SUPERHERO_RATE_LIMIT`) | state-changing requests per second per client address, sustained; 0 turns it off; loopback is exempt |
 * | `--rate-burst` | 100 (`$SUPERHERO_RATE_BURST`) | state-changing requests per client at once after a quiet spell |
 * | `--probe-port` | none | also serve `/livez` and `/readyz` on this port, apart from the web port's traffic (`node` only) |
 * | `--tls-cert` `--tls-key` `--tls-ca` | none | mutual TLS for the mesh, HTTPS for the web port (`node` only) |
 *
 * When not to use: resolving these into secrets and certificates (file reads) is `node-security.ts`.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { WEB_LIMITS } from '../dispatch/web/web-limits.ts';

/** Heroes a cluster accepts by default: twice the largest population benchmarked (10,000), so the benchmark never meets it. */
export const DEFAULT_MAX_HEROES = 20_000;

/** A comma-separated flag value as its trimmed, non-empty items (`''` → `[]`). */
export const commaList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

/** A `--web-origin` entry: a host name or a full origin; its host name is what is kept. */
const originHost = z.string().transform((s, ctx) => {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `http://${s}`;
  try {
    return new URL(text).hostname.toLowerCase();
  } catch {
    ctx.addIssue({ code: 'custom', message: `not a host name or origin: ${JSON.stringify(s)}` });
    return z.NEVER;
  }
});

export const securityFields = {
  cookieFile: z.string().min(1).optional(),
  webHost: z.string().min(1).default('127.0.0.1'),
  webToken: z.string().min(16, 'the web token must be at least 16 characters').optional(),
  webTokenFile: z.string().min(1).optional(),
  publicRead: z.boolean().default(false),
  webOrigin: commaList.pipe(z.array(originHost)),
  maxHeroes: z.coerce.number().int().min(1).default(DEFAULT_MAX_HEROES),
  rateLimit: z.coerce.number().min(0).max(1_000_000).default(WEB_LIMITS.writesPerSecond),
  rateBurst: z.coerce.number().int().min(1).max(1_000_000).default(WEB_LIMITS.writeBurst),
};

/** Flags of `node` alone. */
export const nodeWebFields = {
  probePort: z.coerce.number().int().min(0).max(65535).optional(),
};

export const tlsFields = {
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  tlsCa: z.string().min(1).optional(),
};

/** The TLS flags come as a set: all three or none. */
export function tlsComplete(o: {
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  tlsCa?: string | undefined;
}): boolean {
  const given = [o.tlsCert, o.tlsKey, o.tlsCa].filter((x) => x !== undefined).length;
  return given === 0 || given === 3;
}
export const TLS_INCOMPLETE = 'give --tls-cert, --tls-key and --tls-ca together';

/** Registers the security flags on `command` (`node` also gets `--chaos` and the TLS flags). */
export function addSecurityFlags(command: Command, kind: 'start' | 'node'): Command {
  command
    .option('--cookie-file <path>', 'file holding the cluster cookie (mode 0400; default <data-dir>/cookie)')
    .option('--web-host <host>', 'interface of the page and HTTP API', '127.0.0.1')
    .option(
      '--web-token-file <path>',
      'bearer token file of the HTTP API (default $SUPERHERO_WEB_TOKEN, else <data-dir>/web-token)',
    )
    .option('--public-read', 'serve the page and read-only API to anyone on a non-loopback web host')
    .option('--web-origin <list>', 'host names the page may be reached by, besides localhost and IPs')
    .option('--max-heroes <n>', 'most heroes the cluster accepts', String(DEFAULT_MAX_HEROES))
    .option(
      '--rate-limit <n>',
      `state-changing requests per second per client, 0 for none; loopback exempt (default $SUPERHERO_RATE_LIMIT, else ${WEB_LIMITS.writesPerSecond})`,
    )
    .option(
      '--rate-burst <n>',
      `state-changing requests per client at once (default $SUPERHERO_RATE_BURST, else ${WEB_LIMITS.writeBurst})`,
    );
  if (kind === 'node') {
    command
      .option('--probe-port <port>', 'also serve /livez and /readyz on this port (plain HTTP)')
      .option('--chaos', 'enable the chaos routes (destroy, shutdown, restart, partition, heal)')
      .option('--tls-cert <path>', 'PEM certificate of this node (its name as CN or DNS SAN)')
      .option('--tls-key <path>', 'PEM private key of this node')
      .option('--tls-ca <path>', 'PEM certificate authority of the cluster');
  }
  return command;
}

/** The raw flag values (and environment) of the security options, as the schemas expect them. */
export function securityInput(
  opts: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> {
  return {
    cookieFile: opts.cookieFile,
    webHost: opts.webHost,
    webToken: env.SUPERHERO_WEB_TOKEN === '' ? undefined : env.SUPERHERO_WEB_TOKEN,
    webTokenFile: opts.webTokenFile,
    publicRead: opts.publicRead === true,
    webOrigin: opts.webOrigin,
    maxHeroes: opts.maxHeroes,
    rateLimit: opts.rateLimit ?? nonEmpty(env.SUPERHERO_RATE_LIMIT),
    rateBurst: opts.rateBurst ?? nonEmpty(env.SUPERHERO_RATE_BURST),
    probePort: opts.probePort,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}
