/**
 * Opens the hero store chosen by `--store`: Raft tables (CP) with their log under the data directory
 * (`<dataDir>/<city>/raft`), or the delta-CRDT map (AP) with its replica's log and state under
 * `<dataDir>/<city>/crdt` (fsync every 100 ms, see `FileCrdtStorage`), so a process restart or a
 * whole-cluster restart starts each replica from its disk. A CRDT directory that is damaged
 * other than in its last record stops the start with `CrdtStorageCorruptError` (file and offset).
 * Or the etcd store (CP on an existing etcd cluster, `--etcd-endpoints`; see docs/etcd.md).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ClusterNode } from '@superhero-dispatch/runtime/cluster';
import type { RaftAdmission, Store } from '@superhero-dispatch/runtime/store';
import { startRaftStore, startCrdtStore } from '@superhero-dispatch/runtime/store';
import { FileCrdtStorage } from '@superhero-dispatch/runtime/crdt';
import { startEtcdStore } from '@superhero-dispatch/runtime/store/etcd';
import type { EtcdCliOptions } from './etcd-options.ts';
import { etcdStoreOptions } from './etcd-options.ts';

export interface OpenStoreOptions {
  readonly node: ClusterNode;
  /** Founding Raft voters (full names); ignored in crdt mode. */
  readonly voters: readonly string[];
  readonly dataDir: string;
  readonly logger: Logger;
  /** etcd mode: endpoints, TLS, auth, prefix (see `etcd-options.ts`). */
  readonly etcd?: EtcdCliOptions;
  /** Raft mode: formation and learner admission by the member itself. Default none. */
  readonly admission?: RaftAdmission;
}

export async function openStore(mode: 'raft' | 'etcd' | 'crdt', o: OpenStoreOptions): Promise<Store> {
  if (mode === 'etcd') {
    if (o.etcd === undefined) throw new Error('--store etcd needs the etcd options');
    // Nothing on local disk: the state is etcd's; the lease and liveness key carry the node's name.
    return startEtcdStore({ ...(await etcdStoreOptions(o.etcd)), node: o.node.shortName, logger: o.logger });
  }
  if (mode === 'raft') {
    return startRaftStore({
      node: o.node,
      voters: o.voters,
      dataDir: join(o.dataDir, o.node.shortName, 'raft'),
      logger: o.logger,
      ...(o.admission === undefined ? {} : { admission: o.admission }),
      // The node's event loop also runs thousands of hero actors, the page and the API: the log's
      // flushes go to the thread pool rather than hold the loop (inline, a flush stalls every hero;
      // at 10,000 heroes the store write p99 was 305 ms inline against 96 ms this way).
      logWrites: 'threadpool',
      // A member stopped by a storage failure must not stay up as a dead voter.
      onFatal: (err) => {
        o.logger.fatal({ err }, 'raft storage failed; exiting');
        process.exit(1);
      },
    });
  }
  const storage = FileCrdtStorage.open(join(o.dataDir, o.node.shortName, 'crdt'), { logger: o.logger });
  // A node joining a running cluster starts with its peers' data when they answer within 2 s.
  return startCrdtStore({ node: o.node, logger: o.logger, awaitRefillMs: 2000, storage });
}
