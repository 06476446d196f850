/**
 * The workload of bench/raft, run the same way against any 3-member target from this process:
 * sequential puts, puts with 16 and 64 in flight, linearizable gets with 64 in flight, change-feed
 * latency (write on the leader, a subscriber on each follower) and the time from a leader kill to
 * the next acknowledged write. Keys are 8 bytes, values 256 bytes (etcd's benchmark shape).
 */

export interface BenchTarget {
  readonly name: string;
  readonly size: number;
  /** Index of the current leader (waits until there is one). */
  leader(): Promise<number>;
  /**
   * `alone`: on a connection with nothing else outstanding (`RequestInit.alone`), never pipelined
   * behind another request. Default false: the target's client mode.
   */
  put(member: number, key: string, value: string, alone?: boolean): Promise<void>;
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

/** Latency samples (ms) and the elapsed time (ms) of one measured run. */
export interface Run {
  readonly samples: number[];
  readonly n: number;
  readonly ms: number;
}

/** `n` puts one after the other to the leader, keys from `from`; per-put latency. */
export async function sequentialPuts(t: BenchTarget, n: number, from: number): Promise<Run> {
  const leader = await t.leader();
  const samples: number[] = [];
  const start = performance.now();
  for (let i = from; i < from + n; i++) {
    const t0 = performance.now();
    await t.put(leader, key8(i), VALUE);
    samples.push(performance.now() - t0);
  }
  return { samples, n, ms: performance.now() - start };
}

/** Runs `op(0..n-1)` with `inFlight` callers. */
export async function concurrent(
  n: number,
  inFlight: number,
  op: (i: number) => Promise<void>,
): Promise<Run> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await op(next++);
    }),
  );
  return { samples: [], n, ms: performance.now() - start };
}

/** `n` puts to the leader with `inFlight` callers; `alone` as in `BenchTarget.put`. */
export async function concurrentPuts(
  t: BenchTarget,
  n: number,
  inFlight: number,
  alone = false,
): Promise<Run> {
  const leader = await t.leader();
  return concurrent(n, inFlight, (i) => t.put(leader, key8(i), VALUE, alone));
}

export async function concurrentGets(
  t: BenchTarget,
  n: number,
  inFlight: number,
  keys: number,
): Promise<Run> {
  const leader = await t.leader();
  return concurrent(n, inFlight, (i) => t.get(leader, key8(i % keys)));
}

export interface FeedRun {
  /**
   * Per follower (member index): from the writer's acknowledgement to the event arriving from it
   * (may be < 0), one sample per write.
   */
  readonly byFollower: { readonly member: number; readonly afterAck: number[] }[];
  /** From the start of the write to the event arriving from each follower. */
  readonly endToEnd: number[];
}

/**
 * `n` sequential puts on the leader, each watched on every follower. Watching one follower only
 * made the figure depend on which one the bench picked: with one write at a time, the follower
 * whose append leaves second still flushes it when the commit index arrives (the members' flushes
 * share one disk) and reports it a flush later than the other, run after run.
 */
export async function feedLatency(t: BenchTarget, n: number, from: number): Promise<FeedRun> {
  const leader = await t.leader();
  const watchers = Array.from({ length: t.size }, (_, i) => i).filter((i) => i !== leader);
  const prefix = `f${from}/`;
  const arrived = watchers.map(() => new Map<string, number>());
  let waiting: { key: string; resolve: () => void } | null = null;
  const seenEverywhere = (key: string): boolean => arrived.every((a) => a.has(key));
  const offs: (() => void)[] = [];
  const endToEnd: number[] = [];
  const byFollower = watchers.map((member) => ({ member, afterAck: [] as number[] }));
  try {
    for (const [w, member] of watchers.entries()) {
      offs.push(
        await t.watch(member, prefix, (key) => {
          arrived[w]!.set(key, performance.now());
          if (waiting !== null && waiting.key === key && seenEverywhere(key)) waiting.resolve();
        }),
      );
    }
    for (let i = 0; i < n; i++) {
      const key = `${prefix}${String(i).padStart(6, '0')}`;
      const seen = new Promise<void>((resolve) => {
        if (seenEverywhere(key)) resolve();
        else waiting = { key, resolve };
      });
      const t0 = performance.now();
      await t.put(leader, key, VALUE);
      const acked = performance.now();
      await Promise.race([seen, new Promise((r) => setTimeout(r, 5000))]);
      waiting = null;
      for (const [w, member] of watchers.entries()) {
        const at = arrived[w]!.get(key);
        if (at === undefined) throw new Error(`${t.name}: change ${key} never arrived on member ${member}`);
        byFollower[w]!.afterAck.push(at - acked);
        endToEnd.push(at - t0);
      }
    }
  } finally {
    for (const off of offs) off();
  }
  return { byFollower, endToEnd };
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
      // Alone: a write started after the kill must not wait behind one stuck since before it.
      t.put(others[i % others.length]!, key8(i++), VALUE, true).then(
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
