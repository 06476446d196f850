/**
 * A `CrdtNode` around a real `ClusterNode` that measures the CRDT traffic: bytes on the wire per
 * message kind (MessagePack payload plus the 6-byte frame header, exactly what the transport
 * writes), and an optional filter that drops chosen messages as a lossy network would.
 */
import type { ClusterNode, NodeDownReason } from '@superhero-dispatch/runtime/cluster';
import type { CrdtNode } from '@superhero-dispatch/runtime/crdt';
import { encodePayload, FRAME_HEADER_BYTES } from '@superhero-dispatch/runtime/wire';

const KINDS = ['summary', 'digest', 'deltas', 'hashRequest', 'hashes', 'snapshot', 'hello', 'ack'];

export function kindOf(payload: unknown): string {
  const tag = Array.isArray(payload) ? (payload[0] as number) : -1;
  return KINDS[tag] ?? 'other';
}

export class CountingNode implements CrdtNode {
  readonly inner: ClusterNode;
  /** Bytes and messages sent, by kind, since the last `reset`. */
  readonly bytes = new Map<string, number>();
  readonly messages = new Map<string, number>();
  /** Return true to drop a message instead of sending it (it counts as sent and lost). */
  drop: ((peer: string, kind: string) => boolean) | undefined;

  constructor(inner: ClusterNode) {
    this.inner = inner;
  }

  get name(): string {
    return this.inner.name;
  }

  get log(): ClusterNode['log'] {
    return this.inner.log;
  }

  nodes(): string[] {
    return this.inner.nodes();
  }

  onNodeUp(listener: (peer: string) => void): () => void {
    return this.inner.onNodeUp(listener);
  }

  onNodeDown(listener: (peer: string, reason: NodeDownReason) => void): () => void {
    return this.inner.onNodeDown(listener);
  }

  handle(type: number, handler: (peer: string, payload: unknown) => void): void {
    this.inner.handle(type, handler);
  }

  sendTo(peer: string, type: number, payload: unknown): boolean {
    const kind = kindOf(payload);
    const size = encodePayload(payload).length + FRAME_HEADER_BYTES;
    this.bytes.set(kind, (this.bytes.get(kind) ?? 0) + size);
    this.messages.set(kind, (this.messages.get(kind) ?? 0) + 1);
    if (this.drop?.(peer, kind) === true) return this.inner.isConnected(peer);
    return this.inner.sendTo(peer, type, payload);
  }

  totalBytes(): number {
    let n = 0;
    for (const b of this.bytes.values()) n += b;
    return n;
  }

  reset(): void {
    this.bytes.clear();
    this.messages.clear();
  }
}
