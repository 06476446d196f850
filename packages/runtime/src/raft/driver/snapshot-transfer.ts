/**
 * Chunked snapshot transfer. The core hands the driver one `snap` message holding the whole state
 * machine image, which may be far larger than a transport frame; the sender splits it into chunks
 * with a window of unacknowledged chunks, the receiver reassembles it and steps the original
 * message into its core.
 *
 * Example:
 * ```ts
 * const sender = new SnapshotSender({ chunkBytes: 1 << 20, window: 8, send, failed });
 * sender.start(snapMessage);               // sends up to `window` chunks
 * sender.ack(ackFromPeer);                 // sends more as acknowledgements arrive
 * const r = receiver.receive(chunk);       // { ack, complete: SnapshotMessage | null }
 * ```
 *
 * Failure: a peer that goes down cancels its transfer and the core is told (`failed(peer)`), so
 * the leader probes again and re-sends when the peer is back. The core re-sending the same
 * snapshot continues the transfer in progress unless it stalled; a newer snapshot replaces it. The
 * receiver drops chunks of a transfer it has not seen start.
 *
 * When not to use: messages that fit in a frame; everything else goes through `wire.ts` directly.
 */
import type { SnapshotMessage } from '../core/types.ts';
import type { SnapshotAck, SnapshotChunk, SnapshotMeta } from './wire.ts';

interface Outgoing {
  readonly id: number;
  readonly msg: SnapshotMessage;
  readonly total: number;
  next: number;
  inflight: number;
  /** When the last chunk was acknowledged (or the transfer started). */
  progressAt: number;
}

export interface SnapshotSenderOptions {
  readonly chunkBytes: number;
  readonly window: number;
  /** Sends a chunk; false when the peer is not connected. */
  readonly send: (chunk: SnapshotChunk) => boolean;
  /** The transfer to `peer` failed; tell the core. */
  readonly failed: (peer: string) => void;
  /** Milliseconds on a monotonic clock. */
  readonly now: () => number;
  /**
   * A transfer without an acknowledgement for this long is abandoned when the core asks again.
   * Until then a repeated request for the same snapshot continues the transfer in progress, so a
   * snapshot that takes longer than the core's snapshot timeout still arrives.
   */
  readonly stallMs: number;
}

export class SnapshotSender {
  private readonly options: SnapshotSenderOptions;
  private readonly transfers = new Map<string, Outgoing>();
  private nextId = 1;

  constructor(options: SnapshotSenderOptions) {
    this.options = options;
  }

  /** Peers with a transfer in progress. */
  get active(): number {
    return this.transfers.size;
  }

  start(msg: SnapshotMessage): void {
    const current = this.transfers.get(msg.to);
    if (
      current !== undefined &&
      current.msg.snapshot.index === msg.snapshot.index &&
      current.msg.snapshot.term === msg.snapshot.term &&
      this.options.now() - current.progressAt < this.options.stallMs
    ) {
      return;
    }
    const total = Math.max(1, Math.ceil(msg.snapshot.data.byteLength / this.options.chunkBytes));
    const t: Outgoing = {
      id: this.nextId++,
      msg,
      total,
      next: 0,
      inflight: 0,
      progressAt: this.options.now(),
    };
    this.transfers.set(msg.to, t);
    this.pump(t);
  }

  ack(a: SnapshotAck): void {
    const t = this.transfers.get(a.from);
    if (t === undefined || t.id !== a.id) return;
    t.inflight = Math.max(0, t.inflight - 1);
    t.progressAt = this.options.now();
    if (a.seq === t.total - 1) {
      this.transfers.delete(a.from);
      return;
    }
    this.pump(t);
  }

  peerDown(peer: string): void {
    if (this.transfers.delete(peer)) this.options.failed(peer);
  }

  clear(): void {
    this.transfers.clear();
  }

  private pump(t: Outgoing): void {
    const { chunkBytes, window } = this.options;
    const snap = t.msg.snapshot;
    while (t.inflight < window && t.next < t.total) {
      const seq = t.next;
      const meta: SnapshotMeta | null =
        seq === 0
          ? {
              term: t.msg.term,
              index: snap.index,
              snapTerm: snap.term,
              config: snap.config,
              size: snap.data.byteLength,
            }
          : null;
      const chunk: SnapshotChunk = {
        type: 'snap-chunk',
        from: t.msg.from,
        to: t.msg.to,
        id: t.id,
        seq,
        total: t.total,
        meta,
        bytes: snap.data.subarray(seq * chunkBytes, (seq + 1) * chunkBytes),
      };
      if (!this.options.send(chunk)) {
        this.peerDown(t.msg.to);
        return;
      }
      t.next++;
      t.inflight++;
    }
  }
}

interface Incoming {
  readonly id: number;
  readonly meta: SnapshotMeta;
  readonly total: number;
  readonly parts: Uint8Array[];
}

export class SnapshotReceiver {
  private readonly transfers = new Map<string, Incoming>();

  /**
   * Takes one chunk. Returns the acknowledgement to send back, and the reassembled message once
   * the last chunk arrived; null for a chunk of an unknown transfer (dropped, not acknowledged).
   */
  receive(c: SnapshotChunk): { ack: SnapshotAck; complete: SnapshotMessage | null } | null {
    if (c.seq === 0 && c.meta !== null) {
      this.transfers.set(c.from, { id: c.id, meta: c.meta, total: c.total, parts: [] });
    }
    const t = this.transfers.get(c.from);
    if (t === undefined || t.id !== c.id || t.total !== c.total || t.parts.length !== c.seq) {
      return null;
    }
    t.parts.push(c.bytes);
    const ack: SnapshotAck = { type: 'snap-ack', from: c.to, to: c.from, id: c.id, seq: c.seq };
    if (t.parts.length < t.total) return { ack, complete: null };
    this.transfers.delete(c.from);
    const data = t.parts.length === 1 ? t.parts[0]! : Buffer.concat(t.parts);
    if (data.byteLength !== t.meta.size) return { ack, complete: null };
    const complete: SnapshotMessage = {
      type: 'snap',
      from: c.from,
      to: c.to,
      term: t.meta.term,
      snapshot: { index: t.meta.index, term: t.meta.snapTerm, config: t.meta.config, data },
    };
    return { ack, complete };
  }

  peerDown(peer: string): void {
    this.transfers.delete(peer);
  }
}
