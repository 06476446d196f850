/**
 * What the page and API show of the etcd cluster in place of the Raft panel: its members (name,
 * client URLs), which one leads, the raft term and the revision, as one member reports them.
 *
 * ```ts
 * const s = await readStatus(client, endpoints, 2000);
 * // { members: [{ id, name, clientUrls, leader: true }, …], leader: 'etcd0', term: 3, revision: 1042 }
 * ```
 *
 * When not to use: health checks of etcd itself; use etcd's `/health` or `etcdctl endpoint status`.
 */
import type { Etcd3 } from 'etcd3';
import type { BackendMember, BackendStatus } from '../types.ts';

/** The etcd cluster's status: the store interface's `BackendStatus` (`Store.backendStatus`). */
export type EtcdStatus = BackendStatus;
export type EtcdMemberView = BackendMember;

export async function readStatus(
  client: Etcd3,
  endpoints: readonly string[],
  timeoutMs: number,
): Promise<EtcdStatus> {
  const deadline = Date.now() + timeoutMs;
  try {
    const [list, status] = await Promise.all([
      client.cluster.memberList({ linearizable: false }, { deadline }),
      client.maintenance.status({ deadline }),
    ]);
    const members = list.members.map((m) => ({
      id: m.ID,
      name: m.name,
      clientUrls: m.clientURLs,
      leader: m.ID === status.leader,
    }));
    return {
      endpoints,
      members,
      leader: members.find((m) => m.leader)?.name ?? null,
      term: Number(status.raftTerm),
      revision: Number(status.header.revision),
    };
  } catch (err) {
    return {
      endpoints,
      members: [],
      leader: null,
      term: 0,
      revision: 0,
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

/**
 * Polls `read` every `everyMs` (default 2 000) and keeps the last answer, for views that must be
 * read synchronously (the page's cluster panel). `stop()` ends the polling.
 */
export function pollStatus(
  read: () => Promise<EtcdStatus>,
  everyMs = 2000,
): { last: () => EtcdStatus | undefined; stop: () => void } {
  let last: EtcdStatus | undefined;
  let busy = false;
  const tick = (): void => {
    if (busy) return;
    busy = true;
    void read()
      .then((s) => (last = s))
      .finally(() => (busy = false));
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  tick();
  return { last: () => last, stop: () => clearInterval(timer) };
}
