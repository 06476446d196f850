/**
 * The simulated disk of one Raft member: a durable image (`MemoryLogStorage`) plus a queue of
 * writes that have been issued but not yet synced. Writes become durable in issue order after a
 * simulated latency; a crash throws the unsynced tail away, optionally keeping a torn prefix of the
 * first unsynced batch (some records made it to disk, the rest did not), as a real log does after
 * truncating its torn tail.
 *
 * Example:
 * ```ts
 * const disk = new SimDisk(queue, () => rng.int(0, 3));
 * disk.write({ entries }, () => sendMessages());  // runs once the write is durable
 * disk.crash(rng, true);                          // unsynced writes are lost
 * ```
 *
 * When not to use: real persistence; this only models what a crash may keep.
 */
import type { StorageBatch } from '../../raft/storage/log-storage.ts';
import { MemoryLogStorage } from '../../raft/storage/memory-log-storage.ts';
import type { SimRandom, SimScheduler } from '../sim/index.ts';

type Write = { readonly batch: StorageBatch; readonly done: () => void } | { readonly compact: number };

export class SimDisk {
  /** What survives a crash. */
  readonly durable = new MemoryLogStorage();
  private pending: Write[] = [];
  private epoch = 0;
  private lastDue = 0;
  private readonly queue: SimScheduler;
  private readonly latency: () => number;

  /** `latency()` gives the virtual milliseconds one write takes to become durable. */
  constructor(queue: SimScheduler, latency: () => number) {
    this.queue = queue;
    this.latency = latency;
  }

  get unsynced(): number {
    return this.pending.length;
  }

  /** Queues a batch; `done` runs once it (and everything queued before it) is durable. */
  write(batch: StorageBatch, done: () => void): void {
    this.enqueue({ batch, done });
  }

  /** Queues a compaction after any queued snapshot write. */
  compact(index: number): void {
    this.enqueue({ compact: index });
  }

  /** Loses every unsynced write; with `torn`, a prefix of the first one's entries survives. */
  crash(rng: SimRandom, torn: boolean): void {
    const first = this.pending[0];
    this.pending = [];
    this.epoch++;
    if (!torn || first === undefined || 'compact' in first) return;
    const entries = first.batch.entries ?? [];
    const keep = rng.int(0, entries.length + 1);
    // Records reach the log in order: snapshot, term and vote, entries; the commit record last.
    const hs = first.batch.hardState;
    this.durable.applyBatch({
      snapshot: first.batch.snapshot,
      entries: entries.slice(0, keep),
      hardState: hs === undefined ? undefined : { ...hs, commit: this.durable.hardState().commit },
    });
  }

  private enqueue(w: Write): void {
    this.pending.push(w);
    const due = Math.max(this.queue.now + this.latency(), this.lastDue);
    this.lastDue = due;
    const epoch = this.epoch;
    this.queue.at(due, () => {
      if (epoch === this.epoch) this.syncOne();
    });
  }

  private syncOne(): void {
    const w = this.pending.shift();
    if (w === undefined) return;
    if ('compact' in w) {
      this.durable.compactSync(Math.min(w.compact, this.durable.snapshot()?.index ?? 0));
      return;
    }
    this.durable.applyBatch(w.batch);
    w.done();
  }
}
