/**
 * Which replica id each connected peer's store runs under, learnt from `hello` messages, and when
 * a `hello` was last sent to each peer whose id is still unknown.
 *
 * A node up or down starts the greeting over. A replica id is `fullNodeName#incarnation`, so the node of an id is known without a lookup; this
 * table says whether that id is still the peer's current one. Messages to an older id are dropped:
 * they were meant for a replica that no longer exists.
 *
 * Example:
 * ```ts
 * const peers = new PeerIds();
 * peers.learn('metropolis@127.0.0.1:4371', 'metropolis@127.0.0.1:4371#1732242342123'); // { previous: undefined }
 * peers.idOf('metropolis@127.0.0.1:4371');
 * ```
 *
 * API: `PeerIds` (`learn`, `forget`, `idOf`, `isCurrent`, `entries`, `helloDue`, `helloSent`).
 *
 * When not to use: for node membership, ask the node; this only tracks store replicas.
 */
import type { ReplicaId } from '../core/replica-id.ts';

export class PeerIds {
  readonly #ids = new Map<string, ReplicaId>();
  readonly #hello = new Map<string, { at: number; everyMs: number }>();

  /** Records `id` as `peer`'s replica; returns the id it replaces (undefined when none or equal). */
  learn(peer: string, id: ReplicaId): { changed: boolean; previous: ReplicaId | undefined } {
    const previous = this.#ids.get(peer);
    this.#hello.delete(peer);
    if (previous === id) return { changed: false, previous: undefined };
    this.#ids.set(peer, id);
    return { changed: true, previous };
  }

  /** The peer went down; returns the id it had. */
  forget(peer: string): ReplicaId | undefined {
    const id = this.#ids.get(peer);
    this.#ids.delete(peer);
    this.#hello.delete(peer);
    return id;
  }

  idOf(peer: string): ReplicaId | undefined {
    return this.#ids.get(peer);
  }

  isCurrent(peer: string, id: ReplicaId): boolean {
    return this.#ids.get(peer) === id;
  }

  entries(): [string, ReplicaId][] {
    return [...this.#ids];
  }

  /**
   * Whether another `hello` to `peer` (id still unknown) is due at `nowMs`. `helloSent` spaces
   * them `baseMs` after the first, then twice as long each time up to 32 × `baseMs`, so a peer
   * that runs no CRDT store is not greeted every second for ever.
   */
  helloDue(peer: string, nowMs: number): boolean {
    if (this.#ids.has(peer)) return false;
    const last = this.#hello.get(peer);
    return last === undefined || nowMs - last.at >= last.everyMs;
  }

  helloSent(peer: string, nowMs: number, baseMs: number): void {
    if (this.#ids.has(peer)) return;
    const last = this.#hello.get(peer);
    const everyMs = last === undefined ? baseMs : Math.min(last.everyMs * 2, baseMs * 32);
    this.#hello.set(peer, { at: nowMs, everyMs });
  }
}
