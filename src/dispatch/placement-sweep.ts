/**
 * The placement sweep: keeps heroes and their placement records one-to-one, and collects old
 * tombstones. A committed hero always gets a running actor, a buried one never keeps one.
 *
 * ```ts
 * const sweep = startPlacementSweep({ directory, heroes, placement, writable, now: Date.now });
 * sweep.stop();
 * ```
 *
 * Decisions (`sweepDecisions`, pure): a live hero without a placement record for longer than
 * `graceMs` is placed (`startChild`; its create may have committed the record and then lost its
 * quorum, or its node died in between); a placement record of a buried hero is removed
 * (`stopChild`; the delete that buried it could not remove it); a tombstone older than
 * `retentionMs` is removed for good (docs/crdt.md, "Hero tombstones"). Every node sweeps; the writes
 * race harmlessly (`already_started`, `not_found`, compare-and-set). Nothing runs while the store is
 * not writable.
 *
 * Options: `intervalMs` default 2 000 (a late actor starts within ~grace + interval), `graceMs`
 * default 8 000 (longer than a create waits for its actor, so the sweep never races a create that is
 * still placing its hero), `retentionMs` default 1 hour (longer than any partition a duplicate may
 * outlive; see docs/crdt.md).
 */
import type { DistributedSupervisor } from '@superhero-dispatch/runtime/placement';
import { PlacementError } from '@superhero-dispatch/runtime/placement';
import { StoreError } from '@superhero-dispatch/runtime/store';
import { every } from '@superhero-dispatch/runtime/cluster';
import { heroSpec } from './cluster-service.ts';
import type { HeroDirectory } from './hero-directory.ts';
import type { Tombstone } from './hero-record.ts';
import type { HeroStore } from './hero-store.ts';

export interface SweepInput {
  readonly live: readonly string[];
  readonly tombstones: readonly Tombstone[];
  readonly placed: ReadonlySet<string>;
  /** When each live id was first seen without a placement record (updated by the caller). */
  readonly unplacedSince: ReadonlyMap<string, number>;
  readonly now: number;
  readonly graceMs: number;
  readonly retentionMs: number;
}

export interface SweepDecisions {
  /** Live heroes to place. */
  readonly start: string[];
  /** Placement records of buried heroes to remove. */
  readonly stop: string[];
  /** Tombstones to remove for good. */
  readonly collect: string[];
  /** The new `unplacedSince`. */
  readonly unplacedSince: Map<string, number>;
}

export function sweepDecisions(i: SweepInput): SweepDecisions {
  const start: string[] = [];
  const unplacedSince = new Map<string, number>();
  for (const id of i.live) {
    if (i.placed.has(id)) continue;
    const since = i.unplacedSince.get(id) ?? i.now;
    unplacedSince.set(id, since);
    if (i.now - since >= i.graceMs) start.push(id);
  }
  const stop: string[] = [];
  const collect: string[] = [];
  for (const t of i.tombstones) {
    if (i.placed.has(t.id)) stop.push(t.id);
    else if (i.now - t.diedAt >= i.retentionMs) collect.push(t.id);
  }
  return { start, stop, collect, unplacedSince };
}

export interface PlacementSweepOptions {
  readonly directory: HeroDirectory;
  readonly heroes: HeroStore;
  readonly placement: DistributedSupervisor;
  readonly writable: () => boolean;
  readonly now: () => number;
  readonly log: (message: string) => void;
  readonly intervalMs?: number;
  readonly graceMs?: number;
  readonly retentionMs?: number;
}

export interface PlacementSweep {
  /** One sweep now (tests); resolves when its writes are done. */
  sweep(): Promise<void>;
  stop(): void;
}

export function startPlacementSweep(o: PlacementSweepOptions): PlacementSweep {
  let unplacedSince = new Map<string, number>();
  let running: Promise<void> | undefined;
  const sweep = async (): Promise<void> => {
    if (!o.writable()) return;
    const d = sweepDecisions({
      live: o.directory.ids(),
      tombstones: o.directory.tombstones(),
      placed: new Set(o.placement.keys()),
      unplacedSince,
      now: o.now(),
      graceMs: o.graceMs ?? 8000,
      retentionMs: o.retentionMs ?? 3_600_000,
    });
    unplacedSince = d.unplacedSince;
    for (const id of d.start) {
      try {
        await o.placement.startChild(heroSpec(id), 1);
      } catch (err) {
        // `timeout`: the record is written and the actor starting; `already_started`: placed meanwhile.
        if (!(err instanceof PlacementError && (err.code === 'timeout' || err.code === 'already_started')))
          o.log(`placing hero ${id} failed, next sweep tries again: ${String(err)}`);
      }
    }
    for (const id of d.stop) {
      try {
        await o.placement.stopChild(id);
      } catch (err) {
        if (!(err instanceof PlacementError && err.code === 'not_found'))
          o.log(`removing the placement of buried hero ${id} failed, next sweep tries again: ${String(err)}`);
      }
    }
    for (const id of d.collect) {
      try {
        const stored = await o.heroes.read(id, true);
        if (stored?.value.dead === true) await o.heroes.remove(id, stored.version);
      } catch (err) {
        if (!(err instanceof StoreError && err.code === 'conflict'))
          o.log(`collecting the tombstone of ${id} failed, next sweep tries again: ${String(err)}`);
      }
    }
  };
  const timer = every(o.intervalMs ?? 2000, () => {
    if (running) return;
    running = sweep().finally(() => (running = undefined));
  });
  return {
    sweep: () => (running ??= sweep().finally(() => (running = undefined))),
    stop: () => timer.cancel(),
  };
}
