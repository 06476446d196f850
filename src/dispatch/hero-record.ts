/**
 * The stored record of a hero: the live hero, or its tombstone once it is dead. Pure functions only.
 *
 * ```ts
 * const live: HeroRecord = { ...newHero(id, 'Lady Nova', '', now), requests: ['k1'] };
 * const dead = toTombstone(live, now, 'k2');           // what a delete or a death writes
 * resolveRecord([live, dead]);                         // → dead: a tombstone beats any live value
 * toApiHero(live, 'gotham');                           // the API's Hero, `node` from placement
 * ```
 *
 * Deleted means gone: a delete (or a death in a fight) writes a tombstone instead of removing the
 * record. Among the values a key holds (more than one in crdt mode, after concurrent writes on two
 * sides of a partition), any tombstone wins over every live value, whatever their timestamps — the
 * store's add-wins rule never brings a terminated hero back. Every writer checks for a tombstone
 * before it writes a live value, and a node that sees a live value beside a tombstone writes the
 * tombstone again over both (`hero-store.ts`). Tombstones are removed after a retention period
 * (`tombstone-gc.ts`; why that is safe is in docs/crdt.md, "Hero tombstones").
 *
 * Where a hero runs is not stored here: the placement record is the one truth, and `toApiHero`
 * fills `node` in at read time. The stored `node` of a live record is always ''.
 *
 * Idempotency: `requests` holds the idempotency keys of the last `MAX_REQUEST_KEYS` requests
 * applied to this hero (create, assign, delete), written in the same record as their effect, so a
 * retried request is recognised and answered without being applied twice. A create's key also names
 * the hero (`heroIdFor`): a retried create finds the record it already wrote.
 */
import { createHash } from 'node:crypto';
import type { Hero } from './model.ts';

/** How many idempotency keys a record keeps (the most recent ones). */
export const MAX_REQUEST_KEYS = 16;

export interface LiveRecord extends Hero {
  readonly dead?: undefined;
  /** Idempotency keys of the last requests applied, oldest first. */
  readonly requests?: readonly string[];
}

export interface Tombstone {
  readonly id: string;
  readonly name: string;
  readonly dead: true;
  /** Unix ms when it was terminated or died (for garbage collection). */
  readonly diedAt: number;
  readonly requests?: readonly string[];
}

export type HeroRecord = LiveRecord | Tombstone;

export function isTombstone(record: HeroRecord | undefined): record is Tombstone {
  return record?.dead === true;
}

/** The value that counts among a key's concurrent values: any tombstone, else the first (visible). */
export function resolveRecord<R extends HeroRecord>(values: readonly R[]): R | undefined {
  return values.find((v) => isTombstone(v)) ?? values[0];
}

export function toTombstone(record: HeroRecord, now: number, requestKey?: string): Tombstone {
  return withRequest(
    { id: record.id, name: record.name, dead: true, diedAt: now, ...keysOf(record) },
    requestKey,
  );
}

/** `record` with `key` added to its idempotency keys (the oldest dropped beyond the bound). */
export function withRequest<R extends HeroRecord>(record: R, key: string | undefined): R {
  if (key === undefined) return record;
  const requests = [...(record.requests ?? []).filter((k) => k !== key), key].slice(-MAX_REQUEST_KEYS);
  return { ...record, requests };
}

export function applied(record: HeroRecord | undefined, key: string | undefined): boolean {
  return key !== undefined && record?.requests?.includes(key) === true;
}

/** The API's view of a live record: the stored fields without the keys, `node` where it runs. */
export function toApiHero(record: LiveRecord, node: string): Hero {
  // Field by field rather than a rest copy: this runs for every hero change on every node (page
  // events), and V8 copies an object with excluded keys through a slow runtime call.
  return {
    id: record.id,
    name: record.name,
    location: record.location,
    node,
    isPatrolling: record.isPatrolling,
    health: record.health,
    fightsWon: record.fightsWon,
    fightsLost: record.fightsLost,
    updatedAt: record.updatedAt,
  };
}

/** The live record a rule produced from `before`: the keys carried over, the node left empty. */
export function carryOver(before: LiveRecord, next: Hero): LiveRecord {
  return { ...next, node: '', ...keysOf(before) };
}

/**
 * The hero id a create with idempotency key `key` gets: a UUID v4-shaped digest of the key, so a
 * retried create writes the same record (and finds it already there).
 */
export function heroIdFor(key: string): string {
  const hex = createHash('sha256').update(`hero-create\u0000${key}`).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function keysOf(record: HeroRecord): { requests?: readonly string[] } {
  return record.requests ? { requests: record.requests } : {};
}
