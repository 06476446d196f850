/**
 * A full mesh of N cluster nodes in this process on one `MemoryNetwork` (real timers, the real
 * framing, handshake and failure detector), each node's transport wrapped in its own
 * `TrafficCounter`, and one `FaultController` shared by all so a node can be cut off silently.
 *
 * Example:
 * ```ts
 * const mesh = await startMemoryMesh(25, { formTimeoutMs: 60_000 });
 * const joined = await mesh.join();          // ms until every node sees the newcomer
 * await mesh.close();
 * ```
 *
 * The memory transport measures the code above the socket only (no syscalls, no kernel copies):
 * its CPU figures are a lower bound of a TCP deployment's.
 */
import type { ClusterNode, MemoryTransport } from '@superhero-dispatch/runtime/cluster';
import {
  ClusterMessageType,
  startNode,
  FaultController,
  MemoryNetwork,
} from '@superhero-dispatch/runtime/cluster';
import { TrafficCounter } from './counting-transport.ts';

const COOKIE = 'bench-scaling-cookie';

/** What the mesh's membership sends: member lists and global-name syncs, on every new connection. */
export const MEMBERSHIP_TYPES = [ClusterMessageType.Members, ClusterMessageType.NamesSync];

export interface MeshMember {
  readonly node: ClusterNode;
  readonly counter: TrafficCounter;
  readonly transport: MemoryTransport;
}

export class MemoryMesh {
  readonly network = new MemoryNetwork();
  readonly faults = new FaultController();
  readonly members: MeshMember[] = [];
  private nextId = 0;
  /** Node-down events seen by members since the last reset (of any peer, for any reason). */
  downs = 0;
  /** Stops of killed nodes still under way (a cut node's links linger before they close). */
  private readonly stopping: Promise<void>[] = [];

  /** Starts a node seeded with `seed`'s address (none for the first). */
  async add(seed?: ClusterNode): Promise<MeshMember> {
    const counter = new TrafficCounter();
    let transport: MemoryTransport | undefined;
    const node = await startNode({
      name: `n${this.nextId++}`,
      cookie: COOKIE,
      faults: this.faults,
      ...(seed ? { seeds: [seed.address] } : {}),
      transport: (base) => {
        transport = this.network.transport(base);
        return counter.wrap(transport);
      },
    });
    node.onNodeDown(() => void this.downs++);
    const member = { node, counter, transport: transport! };
    this.members.push(member);
    return member;
  }

  /** True when every member is connected to every other. */
  formed(): boolean {
    const n = this.members.length;
    return this.members.every((m) => m.node.nodes().length === n - 1);
  }

  counters(): TrafficCounter[] {
    return this.members.map((m) => m.counter);
  }

  /**
   * Starts a node seeded with a member and resolves with the ms until every member and the
   * newcomer see each other, and the membership bytes (member lists and name syncs, sent on
   * every new connection) the cluster sent meanwhile.
   */
  async join(timeoutMs: number): Promise<{ ms: number; bytes: number; member: MeshMember }> {
    const old = [...this.members];
    for (const c of this.counters()) c.reset();
    const t0 = performance.now();
    const member = await this.add(old[0]?.node);
    const want = old.length;
    const ms = await until(
      () => member.node.nodes().length === want && old.every((m) => m.node.isConnected(member.node.name)),
      t0,
      timeoutMs,
      'join',
    );
    const bytes = this.counters().reduce((sum, c) => sum + c.bytesOf(...MEMBERSHIP_TYPES), 0);
    return { ms, bytes, member };
  }

  /**
   * Takes `victim` away — `crash` resets its links as a killed process's kernel would, `silent`
   * cuts it off so only the failure detector can tell — and resolves with the ms until no
   * survivor counts it as a member any more (`ms` is NaN if some still do after `timeoutMs`;
   * `holdouts` says how many). The victim leaves the mesh and is stopped in the background
   * (`close` waits for it).
   */
  async kill(
    victim: MeshMember,
    how: 'crash' | 'silent',
    timeoutMs: number,
  ): Promise<{ ms: number; holdouts: number }> {
    const survivors = this.members.filter((m) => m !== victim);
    const name = victim.node.name;
    const holdouts = (): number => survivors.filter((m) => m.node.isConnected(name)).length;
    const t0 = performance.now();
    if (how === 'crash') victim.transport.crash();
    else this.faults.isolate(name);
    try {
      return { ms: await until(() => holdouts() === 0, t0, timeoutMs, `${how} kill`), holdouts: 0 };
    } catch {
      return { ms: Number.NaN, holdouts: holdouts() };
    } finally {
      this.members.splice(this.members.indexOf(victim), 1);
      // A silenced node stays cut off: it is stopped and its name is never used again.
      this.stopping.push(victim.node.stop());
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.stopping, ...this.members.map((m) => m.node.stop())]);
    this.members.length = 0;
  }
}

/** Starts `size` nodes, each seeded with the first, and waits for the full mesh. */
export async function startMemoryMesh(size: number, formTimeoutMs: number): Promise<MemoryMesh> {
  const mesh = new MemoryMesh();
  const first = await mesh.add();
  // In batches: a hundred simultaneous joins would mostly measure duplicate dials.
  for (let i = 1; i < size; i += 10) {
    const batch = Math.min(10, size - i);
    await Promise.all(Array.from({ length: batch }, () => mesh.add(first.node)));
  }
  try {
    await until(() => mesh.formed(), performance.now(), formTimeoutMs, `forming a mesh of ${size}`);
  } catch (err) {
    await mesh.close();
    throw err;
  }
  return mesh;
}

/** Polls `done` every 2 ms; resolves with the ms since `t0` when it holds. */
export async function until(
  done: () => boolean,
  t0: number,
  timeoutMs: number,
  what: string,
): Promise<number> {
  while (!done()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not done within ${timeoutMs} ms`);
    await sleep(2);
  }
  return performance.now() - t0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
