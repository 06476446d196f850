/**
 * Call deadlines without one timer per call. Calls with the same timeout form a FIFO whose deadlines
 * are already in order, so each distinct timeout value needs one timer, armed for its oldest entry.
 * Entries whose call has completed are skipped lazily when their deadline passes.
 */
import type { Scheduler } from './scheduler.ts';

interface Lane {
  tags: number[];
  deadlines: number[];
  head: number;
  timer: unknown;
  armedAt: number;
}

export class CallTimeouts {
  private readonly lanes = new Map<number, Lane>();
  private readonly scheduler: Scheduler;
  private readonly expire: (tag: number, timeoutMs: number) => void;

  /** `expire(tag)` is called once a deadline passes; it must ignore tags already settled. */
  constructor(scheduler: Scheduler, expire: (tag: number, timeoutMs: number) => void) {
    this.scheduler = scheduler;
    this.expire = expire;
  }

  add(tag: number, timeoutMs: number): void {
    if (!Number.isFinite(timeoutMs)) return;
    let lane = this.lanes.get(timeoutMs);
    if (!lane) {
      lane = { tags: [], deadlines: [], head: 0, timer: undefined, armedAt: 0 };
      this.lanes.set(timeoutMs, lane);
    }
    lane.tags.push(tag);
    lane.deadlines.push(this.scheduler.now() + timeoutMs);
    if (lane.timer === undefined) this.arm(timeoutMs, lane);
  }

  private arm(timeoutMs: number, lane: Lane): void {
    const first = lane.deadlines[lane.head];
    if (first === undefined) {
      lane.tags.length = 0;
      lane.deadlines.length = 0;
      lane.head = 0;
      lane.timer = undefined;
      return;
    }
    const delay = Math.max(0, first - this.scheduler.now());
    lane.timer = this.scheduler.setTimeout(() => this.fire(timeoutMs, lane), delay + 1);
  }

  private fire(timeoutMs: number, lane: Lane): void {
    lane.timer = undefined;
    const now = this.scheduler.now();
    while (lane.head < lane.tags.length) {
      const deadline = lane.deadlines[lane.head] as number;
      if (deadline > now) break;
      const tag = lane.tags[lane.head] as number;
      lane.head++;
      this.expire(tag, timeoutMs);
    }
    if (lane.head > 1024 && lane.head * 2 > lane.tags.length) {
      lane.tags = lane.tags.slice(lane.head);
      lane.deadlines = lane.deadlines.slice(lane.head);
      lane.head = 0;
    }
    this.arm(timeoutMs, lane);
  }

  /**
   * Forget every entry: only valid when no call is pending. Keeps memory flat under long runs of
   * fast calls whose entries would otherwise wait for their deadline to be skipped.
   */
  compactIdle(): void {
    for (const lane of this.lanes.values()) {
      if (lane.tags.length - lane.head > 4096) {
        lane.tags.length = 0;
        lane.deadlines.length = 0;
        lane.head = 0;
      }
    }
  }

  /** Cancel every timer (on system shutdown). */
  clear(): void {
    for (const lane of this.lanes.values()) {
      if (lane.timer !== undefined) this.scheduler.clearTimeout(lane.timer);
    }
    this.lanes.clear();
  }
}
