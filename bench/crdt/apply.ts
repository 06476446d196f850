/**
 * The receiving side of one pushed update, measured alone: MessagePack decode of the frame's
 * payload, the driver's checks, the join into the replica and the change feed — for a replica
 * holding `records` records, after a warm-up so the code is compiled. The peer figure is the
 * seeds' equivalent: decode and merge one gossip message (the whole map) of the same size.
 */
import pino from 'pino';
import type { NodeDownReason } from '@superhero-dispatch/runtime/cluster';
import { CrdtDriver, type CrdtNode } from '@superhero-dispatch/runtime/crdt';
import { heroRecord, SimRandom } from '@superhero-dispatch/runtime/testing';
import { decodePayload, encodePayload } from '@superhero-dispatch/runtime/wire';
import { nowNs, percentile, sortedCopy } from '../lib/stats.ts';

/** A node whose sends are queued as encoded bytes for the bench to deliver by hand. */
class LoopNode implements CrdtNode {
  readonly name: string;
  readonly log = pino({ level: 'silent' });
  readonly outbox: { to: string; bytes: Uint8Array }[] = [];
  peer: LoopNode | undefined;
  #handler: ((peer: string, payload: unknown) => void) | undefined;
  readonly #up: ((peer: string) => void)[] = [];

  constructor(name: string) {
    this.name = name;
  }

  nodes(): string[] {
    return this.peer === undefined ? [] : [this.peer.name];
  }

  onNodeUp(listener: (peer: string) => void): () => void {
    this.#up.push(listener);
    return () => undefined;
  }

  onNodeDown(_listener: (peer: string, reason: NodeDownReason) => void): () => void {
    return () => undefined;
  }

  handle(_type: number, handler: (peer: string, payload: unknown) => void): void {
    this.#handler = handler;
  }

  sendTo(peer: string, _type: number, payload: unknown): boolean {
    this.outbox.push({ to: peer, bytes: encodePayload(payload) });
    return true;
  }

  connect(other: LoopNode): void {
    this.peer = other;
    for (const l of this.#up) l(other.name);
  }

  receive(from: string, bytes: Uint8Array): void {
    this.#handler?.(from, decodePayload(bytes));
  }
}

function flush(a: LoopNode, b: LoopNode): void {
  for (let round = 0; round < 50 && (a.outbox.length > 0 || b.outbox.length > 0); round++) {
    for (const m of a.outbox.splice(0)) b.receive(a.name, m.bytes);
    for (const m of b.outbox.splice(0)) a.receive(b.name, m.bytes);
  }
}

export function pushApplyUs(records: number, samples: number, seed: number): { p50: number; p99: number } {
  const rng = new SimRandom(seed);
  const a = new LoopNode('writer@127.0.0.1:1');
  const b = new LoopNode('reader@127.0.0.1:2');
  const options = { replicator: { flushMs: 0 }, random: () => 0.5 };
  const da = CrdtDriver.start({ node: a, ...options });
  const db = CrdtDriver.start({ node: b, ...options });
  try {
    a.connect(b);
    b.connect(a);
    flush(a, b);
    const keys = Array.from({ length: records }, (_, i) => `heroes/${String(i).padStart(36, '0')}`);
    for (const key of keys) da.put(key, heroRecord(rng, key));
    flush(a, b);
    const times: number[] = [];
    const warmUp = 2000;
    for (let i = 0; i < warmUp + samples; i++) {
      const key = rng.pick(keys);
      da.put(key, heroRecord(rng, key));
      const pushes = a.outbox.splice(0);
      const t0 = nowNs();
      for (const m of pushes) b.receive(a.name, m.bytes);
      if (i >= warmUp) times.push(nowNs() - t0);
    }
    if (db.get(keys[0]!) === undefined || db.stats().received < samples)
      throw new Error('the pushes did not arrive');
    const sorted = sortedCopy(times);
    return { p50: percentile(sorted, 50) / 1000, p99: percentile(sorted, 99) / 1000 };
  } finally {
    da.close();
    db.close();
  }
}
