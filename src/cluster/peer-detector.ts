/**
 * The node's view of its peers' liveness: fed with every frame received from a peer, asked every
 * heartbeat period which peers to declare down. Wraps the pure phi-accrual detector.
 */
export interface PeerDetectorOptions {
  /** Declare a peer down when it has been silent this long at most. Default 1 500 ms (bar: 2 s p99). */
  readonly maxSilenceMs?: number;
}

export interface PeerDetector {
  heartbeat(peer: string, nowMs: number): void;
  remove(peer: string): void;
  /** Peers to declare down now. */
  suspects(nowMs: number): string[];
  /** Our own event loop stalled: do not count the stall as the peers' silence. */
  forgive(nowMs: number): void;
}

export function createFailureDetector(options: PeerDetectorOptions = {}): PeerDetector {
  const maxSilence = options.maxSilenceMs ?? 1500;
  const last = new Map<string, number>();
  return {
    heartbeat: (peer, now) => void last.set(peer, now),
    remove: (peer) => void last.delete(peer),
    suspects: (now) => [...last].filter(([, t]) => now - t > maxSilence).map(([p]) => p),
    forgive: (now) => {
      for (const peer of last.keys()) last.set(peer, now);
    },
  };
}
