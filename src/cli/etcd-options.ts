/**
 * The etcd flags of `superhero start` and `superhero node` (`--store etcd`), validated at the edge
 * with the other options: endpoints (flag, then `SUPERHERO_ETCD_ENDPOINTS`), TLS files and a user
 * (its password from `SUPERHERO_ETCD_PASSWORD`, never a flag: `ps` would show it), and the key
 * prefix. Files are read in `etcdStoreOptions`, when the store opens.
 *
 * ```sh
 * superhero node --name gotham --store etcd --etcd-endpoints https://10.0.0.5:2379,https://10.0.0.6:2379 \
 *   --etcd-ca /etc/etcd/ca.pem --etcd-cert gotham.pem --etcd-key gotham-key.pem --etcd-user superhero
 * ```
 *
 * Defaults: no endpoints (`node --store etcd` then refuses to start; `start --store etcd` runs a
 * local 3-member etcd from the `etcd` binary), prefix `/superhero/` (every key of the application
 * under it, so one etcd can serve several clusters with different prefixes).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import type { EtcdStoreOptions } from '@superhero-dispatch/runtime/store/etcd';
import { commaList } from './security-options.ts';

export const etcdFields = {
  etcdEndpoints: commaList.pipe(z.array(z.url({ protocol: /^https?$/ }))),
  etcdCa: z.string().min(1).optional(),
  etcdCert: z.string().min(1).optional(),
  etcdKey: z.string().min(1).optional(),
  etcdUser: z.string().min(1).optional(),
  etcdPassword: z.string().min(1).optional(),
  etcdPrefix: z
    .string()
    .regex(/^\/([^/\s]+\/)*$/, 'a key prefix such as /superhero/ (starts and ends with /)')
    .default('/superhero/'),
};

export function addEtcdFlags(command: Command): Command {
  return command
    .option(
      '--etcd-endpoints <list>',
      'etcd client URLs for --store etcd (default $SUPERHERO_ETCD_ENDPOINTS)',
    )
    .option('--etcd-ca <path>', 'PEM certificate authority of etcd (https endpoints)')
    .option('--etcd-cert <path>', 'PEM client certificate for etcd')
    .option('--etcd-key <path>', 'PEM private key of the etcd client certificate')
    .option('--etcd-user <name>', 'etcd user (password from $SUPERHERO_ETCD_PASSWORD)')
    .option('--etcd-prefix <prefix>', 'etcd key prefix of this cluster', '/superhero/');
}

/** The raw flag values (and environment) of the etcd options, as the schemas expect them. */
export function etcdInput(
  opts: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> {
  return {
    etcdEndpoints: opts.etcdEndpoints ?? env.SUPERHERO_ETCD_ENDPOINTS,
    etcdCa: opts.etcdCa,
    etcdCert: opts.etcdCert,
    etcdKey: opts.etcdKey,
    etcdUser: opts.etcdUser,
    etcdPassword: env.SUPERHERO_ETCD_PASSWORD === '' ? undefined : env.SUPERHERO_ETCD_PASSWORD,
    etcdPrefix: opts.etcdPrefix,
  };
}

export const etcdOptionsSchema = z.object(etcdFields);
export type EtcdCliOptions = z.infer<typeof etcdOptionsSchema>;

/** Store options from validated flags: reads the TLS files. */
export async function etcdStoreOptions(
  o: EtcdCliOptions,
): Promise<Pick<EtcdStoreOptions, 'endpoints' | 'prefix' | 'tls' | 'auth'>> {
  if (o.etcdEndpoints.length === 0) {
    throw new Error('--store etcd needs --etcd-endpoints (or SUPERHERO_ETCD_ENDPOINTS)');
  }
  if (o.etcdUser !== undefined && o.etcdPassword === undefined) {
    throw new Error('--etcd-user needs its password in SUPERHERO_ETCD_PASSWORD');
  }
  if ((o.etcdCert === undefined) !== (o.etcdKey === undefined)) {
    throw new Error('--etcd-cert and --etcd-key go together');
  }
  const tls =
    o.etcdCa === undefined
      ? undefined
      : {
          ca: await readFile(o.etcdCa),
          ...(o.etcdCert === undefined ? {} : { cert: await readFile(o.etcdCert) }),
          ...(o.etcdKey === undefined ? {} : { key: await readFile(o.etcdKey) }),
        };
  return {
    endpoints: o.etcdEndpoints,
    prefix: o.etcdPrefix,
    ...(tls === undefined ? {} : { tls }),
    ...(o.etcdUser === undefined || o.etcdPassword === undefined
      ? {}
      : { auth: { username: o.etcdUser, password: o.etcdPassword } }),
  };
}
