/**
 * Command-line configuration, validated once at the edge: flags first, then environment
 * (`SUPERHERO_COOKIE`, `SUPERHERO_WEB_TOKEN`), then defaults. There is no built-in cookie: see
 * `node-security.ts` for where a node's cookie comes from, and `security-options.ts` for the
 * security flags.
 */
import { z } from 'zod';
import { parseDiscoverySpecs } from '@superhero-dispatch/runtime/cluster';
import { CITY_NAMES } from '../dispatch/model.ts';
import { LOG_FORMATS } from './logger.ts';
import { commaList, nodeWebFields, securityFields, tlsFields } from './security-options.ts';
import { etcdFields } from './etcd-options.ts';

/** Cluster (distribution) port of the n-th city node; web ports are 4900 + n. */
export const CLUSTER_BASE_PORT = 4370;
export const WEB_BASE_PORT = 4900;

export const startOptionsSchema = z.object({
  nodes: z.coerce.number().int().min(1).max(CITY_NAMES.length).default(3),
  store: z.enum(['raft', 'etcd', 'crdt']).default('raft'),
  ...etcdFields,
  cookie: z.string().min(1).optional(),
  dataDir: z.string().min(1).default('data'),
  dispatch: z.boolean().default(false),
  ...securityFields,
  host: z.string().min(1).default('127.0.0.1'),
  /** Cluster port of the first node; the others follow it. */
  port: z.coerce.number().int().min(1).max(65_000).default(CLUSTER_BASE_PORT),
  /** Web port of the first node; the others follow it. */
  webPort: z.coerce.number().int().min(1).max(65_000).default(WEB_BASE_PORT),
});
export type StartOptions = z.infer<typeof startOptionsSchema>;

/** `host:port`, or `name@host:port` (the name tells which node is expected there, e.g. for Raft voters). */
const hostPort = z
  .string()
  .regex(/^([a-z][a-z0-9_-]*@)?[^:@\s]+:\d{1,5}$/, 'expected host:port or name@host:port')
  .transform((s) => {
    const at = s.indexOf('@');
    const name = at > 0 ? s.slice(0, at) : undefined;
    const rest = s.slice(at + 1);
    const i = rest.lastIndexOf(':');
    return { host: rest.slice(0, i), port: Number(rest.slice(i + 1)), ...(name ? { name } : {}) };
  });

export const nodeOptionsSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _'),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(CLUSTER_BASE_PORT),
  webPort: z.coerce.number().int().min(0).max(65535).default(WEB_BASE_PORT),
  seeds: commaList.pipe(z.array(hostPort)),
  cookie: z.string().min(1).optional(),
  ...securityFields,
  ...nodeWebFields,
  ...tlsFields,
  chaos: z.boolean().default(false),
  store: z.enum(['raft', 'etcd', 'crdt']).default('raft'),
  ...etcdFields,
  role: z.enum(['city', 'dispatch']).default('city'),
  dataDir: z.string().min(1).default('data'),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** `json`, `pretty`, or `auto` (pretty on a terminal, JSON otherwise). */
  logFormat: z.enum(LOG_FORMATS).default('auto'),
  /** `static` (seeds only), `dns:<name>[:srv]`, `gossip[:<port>[:<address>]]`, comma-separated. */
  discovery: z
    .string()
    .default('static')
    .transform((text, ctx) => {
      try {
        return parseDiscoverySpecs(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /** DNS servers for `dns:` discovery (`ip` or `ip:port`, comma-separated). Default: the system's. */
  /** Founders of a new Raft group: wait for this many nodes started with the same value. */
  expect: z.coerce.number().int().min(1).max(99).optional(),
  /** Address peers dial (flag, then `SUPERHERO_ADVERTISE_HOST`); default: `host`, see `advertise.ts`. */
  advertiseHost: z.string().min(1).optional(),
  /** Seconds a Raft member may be unreachable before autopilot replaces it. */
  deadMemberGrace: z.coerce.number().min(0.1).max(86_400).default(30),
  dnsServers: commaList.pipe(z.array(z.string().regex(/^[0-9a-fA-F.:[\]]+$/, 'expected ip or ip:port'))),
});
export type NodeCliOptions = z.infer<typeof nodeOptionsSchema>;
