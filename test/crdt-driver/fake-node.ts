/**
 * A cluster node stand-in for driver unit tests: peers come up and go down when the test says,
 * sends are recorded (and MessagePack round-tripped, as the wire does), and the test delivers
 * messages by hand. No sockets, no timers of its own.
 */
import pino from 'pino';
import type { NodeDownReason } from '../../packages/runtime/src/cluster/node-options.ts';
import type { CrdtNode } from '../../packages/runtime/src/crdt/driver/index.ts';
import { decodePayload, encodePayload } from '../../packages/runtime/src/wire/codec.ts';

export interface Sent {
  readonly to: string;
  readonly type: number;
  readonly payload: unknown;
}

export class FakeNode implements CrdtNode {
  readonly name: string;
  readonly log = pino({ level: 'silent' });
  readonly sent: Sent[] = [];
  readonly #connected = new Set<string>();
  readonly #up = new Set<(peer: string) => void>();
  readonly #down = new Set<(peer: string, reason: NodeDownReason) => void>();
  readonly #handlers = new Map<number, (peer: string, payload: unknown) => void>();

  constructor(name: string) {
    this.name = name;
  }

  nodes(): string[] {
    return [...this.#connected];
  }

  onNodeUp(listener: (peer: string) => void): () => void {
    this.#up.add(listener);
    return () => this.#up.delete(listener);
  }

  onNodeDown(listener: (peer: string, reason: NodeDownReason) => void): () => void {
    this.#down.add(listener);
    return () => this.#down.delete(listener);
  }

  handle(type: number, handler: (peer: string, payload: unknown) => void): void {
    if (this.#handlers.has(type)) throw new Error(`type ${type} already has a handler`);
    this.#handlers.set(type, handler);
  }

  sendTo(peer: string, type: number, payload: unknown): boolean {
    if (!this.#connected.has(peer)) return false;
    this.sent.push({ to: peer, type, payload: decodePayload(encodePayload(payload)) });
    return true;
  }

  up(peer: string): void {
    this.#connected.add(peer);
    for (const l of [...this.#up]) l(peer);
  }

  down(peer: string, reason: NodeDownReason = 'connection_closed'): void {
    this.#connected.delete(peer);
    for (const l of [...this.#down]) l(peer, reason);
  }

  deliver(from: string, type: number, payload: unknown): void {
    this.#handlers.get(type)?.(from, decodePayload(encodePayload(payload)));
  }

  /** Removes and returns what was sent so far. */
  take(): Sent[] {
    return this.sent.splice(0);
  }
}

/** Moves every message `a` sent to `b` (and back) until both are quiet; returns how many moved. */
export function pump(nodes: readonly FakeNode[], type: number, maxRounds = 100): number {
  let moved = 0;
  for (let round = 0; round < maxRounds; round++) {
    let any = false;
    for (const from of nodes) {
      for (const m of from.take()) {
        if (m.type !== type) continue;
        const to = nodes.find((n) => n.name === m.to);
        if (to === undefined || !to.nodes().includes(from.name)) continue;
        to.deliver(from.name, m.type, m.payload);
        moved++;
        any = true;
      }
    }
    if (!any) return moved;
  }
  throw new Error('messages kept flowing');
}

/** Connects two fake nodes both ways. */
export function link(a: FakeNode, b: FakeNode): void {
  a.up(b.name);
  b.up(a.name);
}
