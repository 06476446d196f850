/**
 * The workload of bench/raft, run the same way against any 3-member target from this process:
 * sequential puts, puts with 16 and 64 in flight, linearizable gets with 64 in flight, change-feed
 * latency (write on the leader, subscriber on another member) and the time from a leader kill to
 * the next acknowledged write. Keys are 8 bytes, values 256 bytes (etcd's benchmark shape).
 */
import { percentile, sortedCopy } from '../lib/stats.ts';

export interface BenchTarget {
  readonly name: string;
  readonly size: number;
  /** Index of the current leader (waits until there is one). */
  leader(): Promise<number>;
  put(member: number, key: string, value: string): Promise<void>;
  /** A linearizable read. */
  get(member: number, key: string): Promise<void>;
  /** Subscribes on `member` to changes of keys starting with `prefix`; resolves once registered. */
  watch(member: number, prefix: string, onKey: (key: string) => void): Promise<() => void>;
  kill(member: number): Promise<void>;
  restart(member: number): Promise<void>;
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export const VALUE = 'v'.repeat(256);

export function key8(i: number): string {
  return `k${String(i % 10_000_000).padStart(7, '0')}`;
}

export interface LatencyFigures {
  readonly p50: number;
  readonly p99: number;
  readonly perSec: number;
}

export async function sequentialPuts(t: BenchTarget, n: number): Promise<LatencyFigures> {
  const leader = await t.leader();
  for (let i = 0; i < Math.min(200, n); i++) await t.put(leader, key8(i), VALUE);
  const samples = new Float64Array(n);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await t.put(leader, key8(i), VALUE);
    samples[i] = performance.now() - t0;
  }
  const elapsed = performance.now() - start;
  const sorted = sortedCopy(samples);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), perSec: n / (elapsed / 1000) };
}

/** Runs `op(0..n-1)` with `inFlight` callers; returns operations per second. */
export async function concurrent(
  n: number,
  inFlight: number,
  op: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await op(next++);
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

export async function concurrentPuts(t: BenchTarget, n: number, inFlight: number): Promise<number> {
  const leader = await t.leader();
  return concurrent(n, inFlight, (i) => t.put(leader, key8(i), VALUE));
}

export async function concurrentGets(
  t: BenchTarget,
  n: number,
  inFlight: number,
  keys: number,
): Promise<number> {
  const leader = await t.leader();
  return concurrent(n, inFlight, (i) => t.get(leader, key8(i % keys)));
}

export interface FeedFigures {
  /** From the writer's acknowledgement to the event arriving from the other member. */
  readonly afterAckP50: number;
  readonly afterAckP99: number;
  /** From the start of the write to the event arriving from the other member. */
  readonly endToEndP50: number;
}

export async function feedLatency(t: BenchTarget, n: number): Promise<FeedFigures> {
  const leader = await t.leader();
  const watcher = (leader + 1) % t.size;
  const arrived = new Map<string, number>();
  const waiting = new Map<string, () => void>();
  const off = await t.watch(watcher, 'f/', (key) => {
    arrived.set(key, performance.now());
    waiting.get(key)?.();
  });
  const afterAck: number[] = [];
  const endToEnd: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const key = `f/${String(i).padStart(6, '0')}`;
      const seen = new Promise<void>((resolve) => {
        if (arrived.has(key)) resolve();
        else waiting.set(key, resolve);
      });
      const t0 = performance.now();
      await t.put(leader, key, VALUE);
      const acked = performance.now();
      await Promise.race([seen, new Promise((r) => setTimeout(r, 5000))]);
      waiting.delete(key);
      const at = arrived.get(key);
      if (at === undefined) throw new Error(`${t.name}: change ${key} never arrived on the watcher`);
      afterAck.push(at - acked);
      endToEnd.push(at - t0);
    }
  } finally {
    off();
  }
  const a = sortedCopy(afterAck);
  return {
    afterAckP50: Math.max(0, percentile(a, 50)),
    afterAckP99: Math.max(0, percentile(a, 99)),
    endToEndP50: percentile(sortedCopy(endToEnd), 50),
  };
}

/**
 * Kills the leader while writes to the other members start every 5 ms (each with its own
 * timeout, so one request stuck on the dead leader does not hold the next back), and measures
 * from the kill to the acknowledgement of the first write started after it. Restarts the member
 * and waits for a healthy cluster after each round. Returns every round's milliseconds.
 */
export async function failover(t: BenchTarget, rounds: number, log: (l: string) => void): Promise<number[]> {
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const leader = await t.leader();
    const others = Array.from({ length: t.size }, (_, i) => i).filter((i) => i !== leader);
    let killedAt = 0;
    let firstAck = 0;
    let i = 0;
    const attempt = (): void => {
      const started = performance.now();
      t.put(others[i % others.length]!, key8(i++), VALUE).then(
        () => {
          if (killedAt > 0 && started >= killedAt && firstAck === 0) firstAck = performance.now();
        },
        () => {},
      );
    };
    const timer = setInterval(attempt, 5);
    await new Promise((res) => setTimeout(res, 300));
    killedAt = performance.now();
    await t.kill(leader);
    const deadline = performance.now() + 20_000;
    while (firstAck === 0 && performance.now() < deadline) await new Promise((res) => setTimeout(res, 2));
    clearInterval(timer);
    // Requests still in flight end by their own timeouts; the restart below outlasts them.
    if (firstAck === 0) throw new Error(`${t.name}: no write acknowledged within 20 s of the leader kill`);
    out.push(firstAck - killedAt);
    log(
      `${t.name}: leader kill ${r + 1}/${rounds}: next acknowledged write after ${(firstAck - killedAt).toFixed(0)} ms`,
    );
    await t.restart(leader);
    const until = performance.now() + 30_000;
    while (!(await t.healthy())) {
      if (performance.now() > until) throw new Error(`${t.name}: not healthy after restart`);
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  return out;
}
