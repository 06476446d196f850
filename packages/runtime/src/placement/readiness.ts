/**
 * Which peers can host children now: a node takes children only once its supervisor is ready —
 * its store open and, where local reads can lag the cluster (Raft), caught up with it. Until then
 * other nodes keep what they run rather than hand it to a node that would leave it unhosted while
 * it catches up (what a restarted node did for most of a second).
 *
 * A ready supervisor announces itself to its peers' placement hosts (`ReadyMessage`), asking for
 * their answer; one that hears of a peer coming up while it is ready tells that peer. A peer that
 * has not announced itself `graceMs` after it came up (a lost message, or an older version that
 * does not announce) counts as ready anyway, so readiness can delay a move, never strand a child.
 *
 * Pure: time comes in as arguments.
 *
 * ```ts
 * const r = new PeerReadiness();
 * r.up('b@h:1', now);                 // connected, not announced yet
 * r.announced('b@h:1');              // → true: it just became ready (re-place its share)
 * r.ready('b@h:1', now, 3000);        // → true
 * ```
 */

/** What a ready supervisor sends the placement host of a peer (same table). */
export interface ReadyMessage {
  readonly $placementReady: string;
  /** Full name of the announcing node. */
  readonly node: string;
  /** The receiver, if ready itself, answers with its own announcement. */
  readonly reply: boolean;
}

export function isReadyMessage(m: unknown): m is ReadyMessage {
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof (m as ReadyMessage).$placementReady === 'string' &&
    typeof (m as ReadyMessage).node === 'string' &&
    typeof (m as ReadyMessage).reply === 'boolean'
  );
}

export class PeerReadiness {
  /** When each connected peer came up (ms). */
  readonly #upAt = new Map<string, number>();
  readonly #announced = new Set<string>();

  /** A peer connected (again): not ready until it announces itself or the grace has passed. */
  up(peer: string, nowMs: number): void {
    this.#upAt.set(peer, nowMs);
  }

  down(peer: string): void {
    this.#upAt.delete(peer);
    this.#announced.delete(peer);
  }

  /** The peer said it is ready. True when that is news (its share may move to it now). */
  announced(peer: string): boolean {
    if (this.#announced.has(peer)) return false;
    this.#announced.add(peer);
    return true;
  }

  /** Ready: announced, or connected for `graceMs` without a word. Unknown peers are not ready. */
  ready(peer: string, nowMs: number, graceMs: number): boolean {
    if (this.#announced.has(peer)) return true;
    const since = this.#upAt.get(peer);
    return since !== undefined && nowMs - since >= graceMs;
  }
}
