/**
 * Opens the hero store chosen by `--store`: Raft tables (CP) with their log under the data directory,
 * or the delta-CRDT map (AP).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ClusterNode } from '../cluster/node.ts';
import { startRaftStore } from '../store/raft-store.ts';
import type { Store } from '../store/types.ts';
import { StoreError } from '../store/types.ts';

export interface OpenStoreOptions {
  readonly node: ClusterNode;
  /** Founding Raft voters (full names); ignored in crdt mode. */
  readonly voters: readonly string[];
  readonly dataDir: string;
  readonly logger: Logger;
}

export async function openStore(mode: 'raft' | 'crdt', o: OpenStoreOptions): Promise<Store> {
  if (mode === 'raft') {
    return startRaftStore({
      node: o.node,
      voters: o.voters,
      dataDir: join(o.dataDir, o.node.shortName, 'raft'),
      logger: o.logger,
    });
  }
  throw new StoreError('unavailable', 'the crdt store is not in this build yet: start with --store raft');
}
