/**
 * Errors of the failure detector. A connection the heartbeat monitor gives up on is closed with
 * `PeerUnreachableError`, so `conn.onClose` tells the layer above why.
 *
 * Example:
 * ```ts
 * conn.onClose((reason) => { if (reason instanceof PeerUnreachableError) markDown(conn.peerName); });
 * ```
 */
import { WireError } from '../../wire/errors.ts';

/** The peer's heartbeats stopped for longer than the failure detector tolerates. */
export class PeerUnreachableError extends WireError {
  readonly phi: number;
  readonly silenceMs: number;
  constructor(peer: string, phi: number, silenceMs: number) {
    super(
      'ERR_PEER_UNREACHABLE',
      `peer ${peer} unreachable: no heartbeat for ${Math.round(silenceMs)} ms (phi ${phi.toFixed(1)})`,
    );
    this.phi = phi;
    this.silenceMs = silenceMs;
  }
}
