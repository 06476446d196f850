/**
 * How many copies of each child ran, over time, across a fault: from the children's start and stop
 * events (every node's, on one clock) and the process-level marks (a node killed or exited, frozen
 * with SIGSTOP, thawed with SIGCONT, started again), the time from the fault's end until every
 * child runs exactly once for good, and the child-seconds spent unhosted (no running copy) and
 * duplicated (each copy beyond the first) meanwhile. A frozen node's children stand still, so they
 * count as not running until it thaws.
 *
 * ```ts
 * const r = recoveryOf({ keys, start: c.running, events, marks, window: { start, end, until } });
 * r.recoveredMs; r.unhostedChildSec; r.duplicatedChildSec;
 * ```
 *
 * Pure: no I/O, no clock.
 */
import type { ChildEvent } from './cluster.ts';

export interface Mark {
  readonly node: string;
  readonly kind: 'down' | 'freeze' | 'thaw' | 'up';
  readonly t: number;
}

export interface TimelineInput {
  readonly keys: readonly string[];
  /** What ran on each node when the fault began. */
  readonly start: ReadonlyMap<string, ReadonlySet<string>>;
  /** Nodes whose children counted when the fault began (up, not frozen). */
  readonly active: ReadonlySet<string>;
  /** Events and marks from the fault's start on (any order). */
  readonly events: readonly ChildEvent[];
  readonly marks: readonly Mark[];
  /** The fault began, ended, and the observation ended (ms, the events' clock). */
  readonly window: { readonly start: number; readonly end: number; readonly until: number };
}

export interface Recovery {
  /** Fault end → every child running exactly once until `until`; NaN if not by then. */
  readonly recoveredMs: number;
  readonly unhostedChildSec: number;
  readonly duplicatedChildSec: number;
  /** Children not running exactly once at `until`. */
  readonly wrongAtEnd: number;
}

type Item = { readonly t: number; readonly event?: ChildEvent; readonly mark?: Mark };

export function recoveryOf(input: TimelineInput): Recovery {
  const { keys, window: w } = input;
  const sets = new Map<string, Set<string>>();
  for (const [node, set] of input.start) sets.set(node, new Set(set));
  const active = new Set(input.active);
  const wanted = new Set(keys);
  const count = new Map<string, number>();
  let zero = 0;
  let extra = 0;
  const recount = (): void => {
    zero = 0;
    extra = 0;
    for (const k of keys) {
      let n = 0;
      for (const node of active) if (sets.get(node)?.has(k)) n++;
      count.set(k, n);
      if (n === 0) zero++;
      else extra += n - 1;
    }
  };
  const bump = (key: string, by: number): void => {
    const before = count.get(key) ?? 0;
    const after = before + by;
    count.set(key, after);
    zero += (after === 0 ? 1 : 0) - (before === 0 ? 1 : 0);
    extra += Math.max(0, after - 1) - Math.max(0, before - 1);
  };
  recount();

  const items: Item[] = [
    ...input.events.filter((e) => e.t >= w.start && e.t <= w.until).map((event) => ({ t: event.t, event })),
    ...input.marks.filter((m) => m.t >= w.start && m.t <= w.until).map((mark) => ({ t: mark.t, mark })),
  ].sort((a, b) => a.t - b.t);

  let unhosted = 0;
  let duplicated = 0;
  let prev = w.start;
  let cleanSince: number | undefined = zero === 0 && extra === 0 ? w.start : undefined;
  for (const item of items) {
    unhosted += zero * (item.t - prev);
    duplicated += extra * (item.t - prev);
    prev = item.t;
    if (item.event) {
      const e = item.event;
      if (!wanted.has(e.key)) continue;
      let set = sets.get(e.node);
      if (!set) sets.set(e.node, (set = new Set()));
      const had = set.has(e.key);
      if (e.running === had) continue;
      if (e.running) set.add(e.key);
      else set.delete(e.key);
      if (active.has(e.node)) bump(e.key, e.running ? 1 : -1);
    } else if (item.mark) {
      const m = item.mark;
      if (m.kind === 'down') {
        active.delete(m.node);
        sets.set(m.node, new Set());
      } else if (m.kind === 'freeze') active.delete(m.node);
      else active.add(m.node);
      recount();
    }
    const clean = zero === 0 && extra === 0;
    if (!clean) cleanSince = undefined;
    else cleanSince ??= item.t;
  }
  unhosted += zero * (w.until - prev);
  duplicated += extra * (w.until - prev);
  return {
    recoveredMs: cleanSince === undefined ? Number.NaN : Math.max(0, cleanSince - w.end),
    unhostedChildSec: unhosted / 1000,
    duplicatedChildSec: duplicated / 1000,
    wrongAtEnd: keys.filter((k) => count.get(k) !== 1).length,
  };
}
