/**
 * Where the full mesh stops: a pure model of one node's membership cost as the cluster grows, for
 * the full mesh the cluster runs today and for a partial view (HyParView's active view, with a
 * Plumtree-style broadcast over it), fed with constants measured by the scaling bench. No I/O, no
 * clock; the overlay of the partial view is built from a seeded PRNG, so a seed gives one answer.
 *
 * Example:
 * ```ts
 * const c = { heartbeatIntervalMs: 100, heartbeatFrameBytes: 14, cpu: { base: 2e-4, perPeer: 4e-4 } };
 * fullMeshCost(100, c);                      // { links: 99, heartbeatsPerSec: 990, bytesPerSec: 13860, cpu: 0.0398, … }
 * crossing(linearBytes(c), 125_000);         // first N whose heartbeat bytes pass 1 Mbit/s
 * simulatePartialView(1000, { seed: 1 });    // { active: 8, connected: true, hops: 5, … }
 * ```
 *
 * Full mesh: every node holds N−1 connections and heartbeats each every `heartbeatIntervalMs`
 * (`failureDetector.heartbeatIntervalMs`, default 100 — `FAILURE_DETECTOR_DEFAULTS`), so a
 * node's heartbeat frames, bytes and the CPU spent on them grow as N−1 and the cluster's as
 * N(N−1). A join costs every member a connection, a handshake and a member list of N entries.
 * Partial view: a node heartbeats only its active view, `ceil(ln N) + c` peers (HyParView, Leitão
 * et al. 2007, sizes its views on log N + c, the fanout at which gossip reaches every node with
 * high probability; with c = 1 that is 6 at 100 nodes and 11 at 10 000), and keeps a passive
 * view of `k` times that, refreshed by a shuffle with one active peer every `shuffleMs`; news
 * reaches every node after as many hops as the overlay is deep instead of one.
 *
 * API: `fullMeshCost`, `partialViewCost`, `linearBytes`, `linearCpu`, `crossing`,
 * `crossingFormula`, `fitLine`, `cpuPerPeer`, `activeViewSize`, `simulatePartialView`.
 *
 * When not to use: it has no queueing — past a budget a real node does not just pay more, its
 * event loop falls behind and its failure detector starts to doubt (the bench reports the loop's
 * delay for that).
 */
import { SimRandom } from '@superhero-dispatch/runtime/testing';

/** A cost that is `base + perPeer × (peers)`. */
export interface Linear {
  readonly base: number;
  readonly perPeer: number;
}

export interface MeshConstants {
  /** `failureDetector.heartbeatIntervalMs` (default 100 ms). */
  readonly heartbeatIntervalMs: number;
  /** One heartbeat frame on the wire: 6-byte header + MessagePack `{ seq }`. */
  readonly heartbeatFrameBytes: number;
  /** CPU of one node as a fraction of a core: fixed part and part per connected peer. */
  readonly cpu: Linear;
}

export interface NodeCost {
  /** Connections the node holds (and heartbeats). */
  readonly links: number;
  readonly heartbeatsPerSec: number;
  /** Heartbeat bytes the node sends per second (it receives as many). */
  readonly bytesPerSec: number;
  /** CPU as a fraction of one core. */
  readonly cpu: number;
  /** The whole cluster's heartbeat bytes per second. */
  readonly clusterBytesPerSec: number;
}

function costOver(links: number, n: number, c: MeshConstants, extraBytesPerSec = 0): NodeCost {
  const heartbeatsPerSec = (links * 1000) / c.heartbeatIntervalMs;
  const bytesPerSec = heartbeatsPerSec * c.heartbeatFrameBytes + extraBytesPerSec;
  return {
    links,
    heartbeatsPerSec,
    bytesPerSec,
    cpu: c.cpu.base + c.cpu.perPeer * links,
    clusterBytesPerSec: bytesPerSec * n,
  };
}

export function fullMeshCost(n: number, c: MeshConstants): NodeCost {
  return costOver(n - 1, n, c);
}

export interface PartialViewOptions {
  /** The `c` of HyParView's active view `ln(N) + c`. Default 1 (the paper's). */
  readonly c?: number;
  /** Passive view = `k` × active view. Default 6 (the paper's). */
  readonly k?: number;
  /** Shuffle period, ms. Default 10 000: an assumption (the paper leaves the period open). */
  readonly shuffleMs?: number;
  /** Bytes of one node entry in a shuffle (name, host, port). Default 45. */
  readonly entryBytes?: number;
}

/** HyParView's active view: `ceil(ln N) + c`, never more than N − 1. */
export function activeViewSize(n: number, c = 1): number {
  return Math.min(n - 1, Math.max(1, Math.ceil(Math.log(n)) + c));
}

export function partialViewCost(n: number, c: MeshConstants, o: PartialViewOptions = {}): NodeCost {
  const active = activeViewSize(n, o.c ?? 1);
  const passive = active * (o.k ?? 6);
  // A shuffle and its reply, each carrying a sample of both views, once per period.
  const shuffleBytes =
    2 * (c.heartbeatFrameBytes + (Math.min(active, 3) + Math.min(passive, 4)) * (o.entryBytes ?? 45));
  return costOver(active, n, c, (shuffleBytes * 1000) / (o.shuffleMs ?? 10_000));
}

/** Heartbeat bytes per second of a node as a linear cost of its peers. */
export function linearBytes(c: MeshConstants): Linear {
  return { base: 0, perPeer: (1000 / c.heartbeatIntervalMs) * c.heartbeatFrameBytes };
}

export function linearCpu(c: MeshConstants): Linear {
  return c.cpu;
}

/**
 * The first N at which a full-mesh node's cost `base + perPeer × (N − 1)` exceeds `budget`,
 * found by walking N up; `undefined` if not below `maxN`.
 */
export function crossing(cost: Linear, budget: number, maxN = 1_000_000): number | undefined {
  for (let n = 2; n <= maxN; n++) if (cost.base + cost.perPeer * (n - 1) > budget) return n;
  return undefined;
}

/**
 * The same in closed form: `floor((budget − base) / perPeer) + 2`. The division rounds, so where
 * the budget is a whole number of peers away the quotient can land one either side of it; the
 * result is moved by one where the cost as `crossing` computes it disagrees.
 */
export function crossingFormula(cost: Linear, budget: number): number {
  const over = (n: number): boolean => cost.base + cost.perPeer * (n - 1) > budget;
  const n = Math.max(2, Math.floor((budget - cost.base) / cost.perPeer) + 2);
  if (n > 2 && over(n - 1)) return n - 1;
  return over(n) ? n : n + 1;
}

/** Least-squares line `y = intercept + slope × x`. */
export function fitLine(points: readonly { x: number; y: number }[]): { intercept: number; slope: number } {
  const mx = points.reduce((a, p) => a + p.x, 0) / points.length;
  const my = points.reduce((a, p) => a + p.y, 0) / points.length;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { intercept: my - slope * mx, slope };
}

/**
 * A node's CPU as `base + perPeer × peers`, fitted (least squares, through the origin) to
 * measured processes: `cpu = base × nodes + perHeartbeat × heartbeatsPerSec`, where `cpu` is
 * what the process spent beyond its idle self (fraction of a core), `nodes` how many nodes it
 * ran and `heartbeatsPerSec` how many heartbeats they sent in all. A heartbeat's cost covers its
 * sending and its receiving (in one process both sides are counted; across processes each node
 * receives as many as it sends). A peer costs `1000 / heartbeatIntervalMs` heartbeats a second.
 * Fitting against the heartbeats actually sent, not against N, keeps a loaded run whose
 * heartbeats fell behind from reading as cheap peers. Needs two points that are not
 * proportional; returns NaNs otherwise.
 */
export function cpuPerPeer(
  points: readonly { nodes: number; heartbeatsPerSec: number; cpu: number }[],
  heartbeatIntervalMs: number,
): Linear {
  let aa = 0;
  let ab = 0;
  let bb = 0;
  let ay = 0;
  let by = 0;
  for (const p of points) {
    aa += p.nodes * p.nodes;
    ab += p.nodes * p.heartbeatsPerSec;
    bb += p.heartbeatsPerSec * p.heartbeatsPerSec;
    ay += p.nodes * p.cpu;
    by += p.heartbeatsPerSec * p.cpu;
  }
  const det = aa * bb - ab * ab;
  if (det === 0) return { base: Number.NaN, perPeer: Number.NaN };
  const base = (ay * bb - ab * by) / det;
  const perHeartbeat = (aa * by - ab * ay) / det;
  return { base, perPeer: (perHeartbeat * 1000) / heartbeatIntervalMs };
}

export interface Overlay {
  readonly n: number;
  /** Target active view size. */
  readonly active: number;
  /** Largest and mean active view actually held. */
  readonly maxActive: number;
  readonly meanActive: number;
  /** Every node reachable from node 0. */
  readonly connected: boolean;
  /** Hops for a broadcast from node 0 to reach everyone (its eccentricity). */
  readonly hops: number;
}

/**
 * Builds a HyParView-like overlay: nodes join one at a time through a random member; a node adds
 * random peers until its active view is full, and a peer whose view is full drops a random link
 * of its own to make room (HyParView's `DISCONNECT`) unless that would leave the dropped node with
 * no link; afterwards a node short of links takes peers that have a free slot (HyParView's
 * promotion from the passive view). Links are symmetric.
 */
export function simulatePartialView(n: number, o: { seed: number; c?: number }): Overlay {
  const rng = new SimRandom(o.seed);
  const target = activeViewSize(n, o.c ?? 1);
  const views: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
  const link = (a: number, b: number): void => {
    views[a]!.add(b);
    views[b]!.add(a);
  };
  const unlink = (a: number, b: number): void => {
    views[a]!.delete(b);
    views[b]!.delete(a);
  };
  for (let i = 1; i < n; i++) {
    let tries = 0;
    while (views[i]!.size < target && views[i]!.size < i && tries++ < 20 * target) {
      const peer = rng.int(0, i);
      if (views[i]!.has(peer)) continue;
      const pv = views[peer]!;
      if (pv.size >= target) {
        const victims = [...pv].filter((v) => views[v]!.size > 1);
        if (victims.length === 0) continue;
        unlink(peer, rng.pick(victims));
      }
      link(i, peer);
    }
  }
  // A node that lost links promotes peers from its passive view: here, any node with a free slot.
  for (let i = 0; i < n; i++) {
    let tries = 0;
    while (views[i]!.size < target && tries++ < 20 * target) {
      const peer = rng.int(0, n);
      if (peer !== i && !views[i]!.has(peer) && views[peer]!.size < target) link(i, peer);
    }
  }
  const sizes = views.map((v) => v.size);
  const depth = new Array<number>(n).fill(-1);
  depth[0] = 0;
  const queue = [0];
  for (let q = 0; q < queue.length; q++) {
    const at = queue[q]!;
    for (const next of views[at]!) {
      if (depth[next] !== -1) continue;
      depth[next] = depth[at]! + 1;
      queue.push(next);
    }
  }
  return {
    n,
    active: target,
    maxActive: Math.max(...sizes),
    meanActive: sizes.reduce((a, b) => a + b, 0) / n,
    connected: depth.every((d) => d >= 0),
    hops: Math.max(...depth),
  };
}
