/**
 * Errors of the cluster node itself (the transport's and discovery's have their own files).
 *
 * | code | when |
 * | --- | --- |
 * | `cookie_mismatch` | `waitForPeer`: the peer refused our handshake because its cookie differs |
 * | `peer_timeout` | `waitForPeer`: the peer did not connect in time (unreachable, not started, ...) |
 *
 * Example:
 * ```ts
 * try { await node.waitForPeer('metropolis@10.0.0.3:4370'); }
 * catch (err) { if (err instanceof CookieMismatchError) console.error(err.message); } // fix the cookie
 * ```
 */
import { CodedError } from '../util/errors.ts';

export type ClusterErrorCode = 'cookie_mismatch' | 'peer_timeout';

export class ClusterError extends CodedError<ClusterErrorCode> {}

/**
 * The peer answered our handshake with a refusal: it does not share our cluster cookie. `cause`
 * is the handshake's `HandshakeAuthError`. Neither cookie appears anywhere in the error.
 */
export class CookieMismatchError extends ClusterError {
  readonly peer: string;
  constructor(peer: string, cause: unknown) {
    super(
      'cookie_mismatch',
      `${peer} refused the handshake: its cluster cookie differs from this node's (start every node with the same cookie)`,
      { cause },
    );
    this.peer = peer;
  }
}

/** The peer did not connect within the time asked for. */
export class PeerTimeoutError extends ClusterError {
  readonly peer: string;
  readonly timeoutMs: number;
  constructor(peer: string, timeoutMs: number) {
    super('peer_timeout', `${peer} did not connect within ${timeoutMs} ms`);
    this.peer = peer;
    this.timeoutMs = timeoutMs;
  }
}
