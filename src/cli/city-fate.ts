/**
 * What a City restart does beyond the City actor (DESIGN §2, destroy city): in crdt mode the node's
 * store replica is in the City's supervision subtree, so it crashes with it and loses its local
 * state, disk included (the chaos action is a lost disk): it restarts empty, under a new replica
 * id, and refills from its peers. A process restart, or a restart of the whole cluster, is not
 * this: it loads each replica from its disk (`data/<city>/crdt`). In raft mode the member stays (it
 * recovers from its disk log only when the node itself restarts), so nothing else happens.
 *
 * ```ts
 * const onCityRestart = cityRestartHook(store, logger, () => metrics.cityRestarts.inc());
 * await startDispatchApp({ ..., onCityRestart });
 * ```
 *
 * When not to use: for the 4th crash within 5 s — that takes the node down (`onGiveUp`).
 */
import type { Logger } from 'pino';
import type { Store } from '@superhero-dispatch/runtime/store';

export function cityRestartHook(store: Store, logger: Logger, count: () => void): () => void {
  return () => {
    count();
    // Only a store whose replica can be rebuilt from its peers (crdt) has `restartEmpty`.
    if (store.restartEmpty) {
      const replica = store.restartEmpty();
      logger.warn(
        { replica },
        'crdt replica restarted empty with the city (local state discarded); refilling from peers',
      );
    }
  };
}
