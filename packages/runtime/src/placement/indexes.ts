/**
 * The distributed supervisor's indexes, kept so that no event costs a scan of every child:
 * `KeysByOwner` answers "which records name this owner" (what a membership change can affect),
 * `LocalChildren` answers "which key is this pid" (what an exit affects) as well as "what runs
 * here". Pure bookkeeping: no I/O, no timers.
 *
 * Invariant (both): every entry is in both directions of the index or in neither; callers change
 * them only through these methods.
 */
import type { Pid } from '../actor/index.ts';
import { pidKey } from '../actor/index.ts';

/** Record keys grouped by the owner named in the record ('' while unowned). */
export class KeysByOwner {
  private readonly ownerOf = new Map<string, string>();
  private readonly byOwner = new Map<string, Set<string>>();

  /** Records that `key` is now owned by `owner` (replacing its previous owner, if any). */
  set(key: string, owner: string): void {
    const previous = this.ownerOf.get(key);
    if (previous === owner) return;
    if (previous !== undefined) this.remove(key, previous);
    this.ownerOf.set(key, owner);
    let keys = this.byOwner.get(owner);
    if (!keys) this.byOwner.set(owner, (keys = new Set()));
    keys.add(key);
  }

  delete(key: string): void {
    const previous = this.ownerOf.get(key);
    if (previous === undefined) return;
    this.ownerOf.delete(key);
    this.remove(key, previous);
  }

  /** The keys owned by `owner` (empty if none). The caller must not keep it across changes. */
  keysOf(owner: string): ReadonlySet<string> {
    return this.byOwner.get(owner) ?? EMPTY;
  }

  /** Every owner named by at least one record. */
  owners(): IterableIterator<string> {
    return this.byOwner.keys();
  }

  private remove(key: string, owner: string): void {
    const keys = this.byOwner.get(owner);
    keys?.delete(key);
    if (keys?.size === 0) this.byOwner.delete(owner);
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/** A child running on this node, at the epoch of the record it was started for. */
export interface Local {
  readonly pid: Pid;
  readonly epoch: number;
}

/** The children running on this node, by key and by pid. */
export class LocalChildren {
  private readonly byKey = new Map<string, Local>();
  private readonly byPid = new Map<string, string>();

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): Local | undefined {
    return this.byKey.get(key);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  set(key: string, local: Local): void {
    this.delete(key);
    this.byKey.set(key, local);
    this.byPid.set(pidKey(local.pid), key);
  }

  delete(key: string): boolean {
    const local = this.byKey.get(key);
    if (!local) return false;
    this.byKey.delete(key);
    this.byPid.delete(pidKey(local.pid));
    return true;
  }

  /** The key of the child running as `pid`, if it is one of ours. */
  keyOf(pid: Pid): string | undefined {
    return this.byPid.get(pidKey(pid));
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  entries(): IterableIterator<[string, Local]> {
    return this.byKey.entries();
  }
}
