/**
 * `superhero start --store etcd`: the etcd the launched nodes use. With `--etcd-endpoints` (or
 * `SUPERHERO_ETCD_ENDPOINTS`) that cluster; without, a local 3-member etcd started from the `etcd`
 * binary on free loopback ports, in a temp folder removed when the launcher exits (a demo
 * cluster: its state does not outlive the launcher). Without the binary it says how to install it
 * and exits with code 2.
 *
 * ```ts
 * const env = await etcdForLauncher(options);  // { SUPERHERO_ETCD_ENDPOINTS: … } or {}
 * fork(main, [...args, ...etcdNodeArgs(options)], { env: { ...env, ...baseEnv } });
 * ```
 */
import { rmSync } from 'node:fs';
import { etcdBinary, ETCD_INSTALL_HINT, startEtcdCluster } from '@superhero-dispatch/runtime/testing';
import type { StartOptions } from './config.ts';

/** The environment that points every node at the etcd cluster (empty unless `--store etcd`). */
export async function etcdForLauncher(o: StartOptions): Promise<Record<string, string>> {
  if (o.store !== 'etcd') return {};
  if (o.etcdEndpoints.length > 0) return { SUPERHERO_ETCD_ENDPOINTS: o.etcdEndpoints.join(',') };
  const binary = etcdBinary();
  if (binary === undefined) {
    console.error(
      `superhero: --store etcd without --etcd-endpoints runs a local etcd, but etcd is not installed: ${ETCD_INSTALL_HINT}, or pass --etcd-endpoints`,
    );
    process.exit(2);
  }
  const cluster = await startEtcdCluster({ binary });
  // The members are killed by the cluster module's exit hook; the folder goes with them.
  process.once('exit', () => rmSync(cluster.dir, { recursive: true, force: true }));
  console.log(
    `local etcd: ${cluster.members.length} members (${cluster.endpoints.join(', ')}), data in ${cluster.dir}`,
  );
  return { SUPERHERO_ETCD_ENDPOINTS: cluster.endpoints.join(',') };
}

/** The etcd flags every launched node gets besides the endpoints (TLS, user, prefix). */
export function etcdNodeArgs(o: StartOptions): string[] {
  if (o.store !== 'etcd') return [];
  return [
    '--etcd-prefix',
    o.etcdPrefix,
    ...(o.etcdCa === undefined ? [] : ['--etcd-ca', o.etcdCa]),
    ...(o.etcdCert === undefined ? [] : ['--etcd-cert', o.etcdCert]),
    ...(o.etcdKey === undefined ? [] : ['--etcd-key', o.etcdKey]),
    ...(o.etcdUser === undefined ? [] : ['--etcd-user', o.etcdUser]),
  ];
}
