/**
 * Opens the backend of a cache mode on a node: the one place that knows which store each mode
 * means and what it needs (a data directory for `disk`, founding voters for `raft`).
 *
 * ```ts
 * const backend = await openBackend({ node, mode: 'disk', dataDir: './data/a' });
 * ```
 *
 * Errors: `CacheOptionError` for a missing data directory (disk) or voter list (raft).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ClusterNode } from '@superhero-dispatch/runtime/cluster';
import { DiskStore, startCrdtStore, startRaftStore } from '@superhero-dispatch/runtime/store';
import { FileCrdtStorage } from '@superhero-dispatch/runtime/crdt';
import type { CacheBackend, CacheMode } from './backend.ts';
import { storeBackend } from './backend.ts';
import { CacheOptionError } from './errors.ts';
import { memoryBackend } from './memory-backend.ts';
import { startProcessBackend } from './process-state.ts';

export interface OpenBackendOptions {
  readonly node: ClusterNode;
  readonly mode: CacheMode;
  /**
   * `disk`: required, holds `store.log`. `raft`: the durable log goes under `<dataDir>/raft`; `crdt`:
   * the replica's log and state under `<dataDir>/crdt`. Without it those two stay in memory.
   */
  readonly dataDir?: string;
  /** `raft`: full names of the founding voters (the same list on every node). */
  readonly voters?: readonly string[];
  /** `memory`: entries expire this long after they were cached, ms. Default never (as the original's ETS). */
  readonly ttlMs?: number;
  /** `raft`: serve reads from the local replica. Default false (linearizable reads). */
  readonly staleReads?: boolean;
  /**
   * `crdt`: wait up to this long at start for a peer's copy of the cache, ms. Default 0: start at
   * once and fill in the background (the first node of a cluster has nobody to wait for); a node
   * restarting into a running cluster may pass ~2 000 to start warm.
   */
  readonly awaitRefillMs?: number;
  readonly logger?: Logger;
}

export async function openBackend(o: OpenBackendOptions): Promise<CacheBackend> {
  switch (o.mode) {
    case 'process':
      return startProcessBackend(o.node.system);
    case 'memory':
      return memoryBackend(o.ttlMs === undefined ? {} : { ttlMs: o.ttlMs });
    case 'disk': {
      if (!o.dataDir) throw new CacheOptionError('the disk store needs a data directory');
      return storeBackend(await DiskStore.open(join(o.dataDir, 'disk')));
    }
    case 'raft': {
      if (!o.voters || o.voters.length === 0)
        throw new CacheOptionError('the raft store needs its founding voters');
      const store = await startRaftStore({
        node: o.node,
        voters: o.voters,
        ...(o.dataDir ? { dataDir: join(o.dataDir, 'raft') } : {}),
        ...(o.logger ? { logger: o.logger } : {}),
      });
      return storeBackend(store, o.staleReads ? { staleReads: true } : {});
    }
    case 'crdt': {
      const store = await startCrdtStore({
        node: o.node,
        ...(o.dataDir
          ? { storage: FileCrdtStorage.open(join(o.dataDir, 'crdt'), o.logger ? { logger: o.logger } : {}) }
          : {}),
        ...(o.awaitRefillMs ? { awaitRefillMs: o.awaitRefillMs } : {}),
        ...(o.logger ? { logger: o.logger } : {}),
      });
      return storeBackend(store);
    }
  }
}
