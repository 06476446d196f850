/**
 * One etcd cluster shared by the tests of a file: started on first use, stopped by `after`, and a
 * fresh key prefix per store so that the tests never see each other's records.
 *
 * ```ts
 * const etcd = sharedEtcd();                         // in a test file, at top level
 * test('…', { skip: etcd.skip }, async () => {
 *   const store = await etcd.store('gotham');        // startEtcdStore on the shared cluster
 * });
 * ```
 *
 * `skip` is a message when the etcd binary is missing (the tests then skip; CI installs etcd).
 */
import { after } from 'node:test';
import { randomUUID } from 'node:crypto';
import { startEtcdStore } from '../../store/etcd/index.ts';
import type { EtcdStore, EtcdStoreOptions } from '../../store/etcd/index.ts';
import { etcdBinary, ETCD_INSTALL_HINT, startEtcdCluster } from './cluster.ts';
import type { EtcdCluster } from './cluster.ts';

export interface SharedEtcd {
  readonly skip: string | false;
  cluster(): Promise<EtcdCluster>;
  /** A store on the shared cluster under a prefix of its own (or `prefix`, to share one). */
  store(node: string, options?: Partial<EtcdStoreOptions>): Promise<EtcdStore>;
  /** A prefix no other store of this run uses. */
  freshPrefix(): string;
}

export function sharedEtcd(): SharedEtcd {
  const binary = etcdBinary();
  let started: Promise<EtcdCluster> | undefined;
  const cluster = (): Promise<EtcdCluster> => (started ??= startEtcdCluster({ binary: binary! }));
  after(async () => {
    if (started !== undefined) await (await started).stop();
  });
  const freshPrefix = (): string => `/test-${randomUUID()}/`;
  return {
    skip: binary === undefined ? `etcd not installed: ${ETCD_INSTALL_HINT}` : false,
    cluster,
    freshPrefix,
    async store(node, options = {}) {
      const c = await cluster();
      return startEtcdStore({ endpoints: c.endpoints, node, prefix: freshPrefix(), ...options });
    },
  };
}
