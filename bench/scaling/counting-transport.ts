/**
 * A `Transport` around a real one (memory or TCP) that counts what its connections send, by
 * message type: frames and bytes (the MessagePack payload plus the 6-byte frame header, exactly
 * what the framed connection writes). Handshake and goodbye frames are not counted: they are sent
 * below `send` and are not steady-state traffic.
 *
 * Example:
 * ```ts
 * const counter = new TrafficCounter();
 * const node = await startNode({ name, cookie, transport: (base) => counter.wrap(network.transport(base)) });
 * counter.reset(); await sleep(5000); counter.bytesOf(MessageType.Heartbeat);
 * ```
 *
 * Counting re-encodes each payload to learn its size; while `enabled` is false sends pass straight
 * through, so a CPU measurement can run without that cost. Behaviour is unchanged either way.
 */
import type {
  Connection,
  FaultInjectable,
  LinkPolicy,
  PeerAddress,
  Transport,
} from '@superhero-dispatch/runtime/cluster';
import { encodePayload, FRAME_HEADER_BYTES } from '@superhero-dispatch/runtime/wire';

/** Frames and bytes sent by the transports wrapped by one counter, by message type. */
export class TrafficCounter {
  enabled = true;
  readonly bytes = new Map<number, number>();
  readonly frames = new Map<number, number>();

  wrap<T extends Transport & FaultInjectable>(inner: T): CountingTransport<T> {
    return new CountingTransport(inner, this);
  }

  count(type: number, payload: unknown): void {
    if (!this.enabled) return;
    const size = encodePayload(payload).length + FRAME_HEADER_BYTES;
    this.bytes.set(type, (this.bytes.get(type) ?? 0) + size);
    this.frames.set(type, (this.frames.get(type) ?? 0) + 1);
  }

  bytesOf(...types: number[]): number {
    return types.reduce((sum, t) => sum + (this.bytes.get(t) ?? 0), 0);
  }

  framesOf(...types: number[]): number {
    return types.reduce((sum, t) => sum + (this.frames.get(t) ?? 0), 0);
  }

  reset(): void {
    this.bytes.clear();
    this.frames.clear();
  }
}

export class CountingTransport<T extends Transport & FaultInjectable> implements Transport, FaultInjectable {
  readonly inner: T;
  private readonly counter: TrafficCounter;

  constructor(inner: T, counter: TrafficCounter) {
    this.inner = inner;
    this.counter = counter;
  }

  get localName(): string {
    return this.inner.localName;
  }

  get localIncarnation(): string {
    return this.inner.localIncarnation;
  }

  setLinkPolicy(policy: LinkPolicy | undefined): void {
    this.inner.setLinkPolicy(policy);
  }

  listen(): Promise<PeerAddress> {
    return this.inner.listen();
  }

  async connect(address: PeerAddress): Promise<Connection> {
    return countingConnection(await this.inner.connect(address), this.counter);
  }

  onConnection(handler: (conn: Connection) => void): void {
    this.inner.onConnection((conn) => handler(countingConnection(conn, this.counter)));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** One wrapper per connection: the node and its monitor compare connections by identity. */
function countingConnection(conn: Connection, counter: TrafficCounter): Connection {
  return {
    get peerName() {
      return conn.peerName;
    },
    get peerIncarnation() {
      return conn.peerIncarnation;
    },
    get isOpen() {
      return conn.isOpen;
    },
    send(type, payload) {
      if (conn.isOpen) counter.count(type, payload);
      conn.send(type, payload);
    },
    onMessage: (handler) => conn.onMessage(handler),
    onClose: (handler) => conn.onClose(handler),
    close: (reason) => conn.close(reason),
  };
}
