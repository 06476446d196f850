/**
 * Client sessions of one Raft store: exactly-once writes under retries. The table machine keeps,
 * per session, the last sequence number applied and its result, and only the last; so a session
 * may carry one request at a time. The store keeps a pool of sessions ("lanes"), one per write in
 * flight: 64 concurrent writes use 64 sessions, reused as writes finish.
 *
 * Example:
 * ```ts
 * const lanes = new SessionLanes('gotham');
 * const lane = lanes.acquire();      // { client: 'gotham/3f9c…/0', seq: 0 }
 * lane.seq++;                        // one new request; a retry of it keeps the seq
 * lanes.release(lane);
 * ```
 *
 * A lane whose session the machine expired (idle for `ttlEntries` entries) is renamed
 * (`renew`) and starts again at seq 1. Client ids include a random part per store instance, so a
 * restarted store never reuses a sequence of its previous life.
 *
 * When not to use: commands that need no exactly-once guarantee could go without a session; the
 * store tags every write.
 */
import { randomUUID } from 'node:crypto';

export interface Lane {
  client: string;
  seq: number;
}

export class SessionLanes {
  private readonly base: string;
  private readonly free: Lane[] = [];
  private made = 0;

  constructor(owner: string) {
    this.base = `${owner}/${randomUUID().slice(0, 13)}`;
  }

  acquire(): Lane {
    return this.free.pop() ?? { client: `${this.base}/${this.made++}`, seq: 0 };
  }

  release(lane: Lane): void {
    this.free.push(lane);
  }

  /** The machine no longer knows this lane's session: continue under a fresh client id. */
  renew(lane: Lane): void {
    lane.client = `${this.base}/${this.made++}`;
    lane.seq = 0;
  }
}
