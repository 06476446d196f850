/**
 * The search for one partition: Wing & Gong's backtracking over the history's entries with Lowe's
 * memoisation, the algorithm Porcupine uses.
 *
 * Entries (one call and one return per operation) are sorted by time, calls before returns on a tie
 * because intervals are closed, and kept in a doubly linked list. The search repeatedly tries to
 * linearize the earliest call whose model step accepts the recorded output, lifting the call and its
 * return out of the list; reaching a return whose operation is not yet linearized means the current
 * prefix cannot be extended, so it backtracks. A configuration (set of linearized operations + model
 * state) already explored is never explored again.
 *
 * Operations with an unknown outcome (`output === undefined`) return at +∞, so they may be linearized
 * anywhere after their call. Once only such operations remain unlinearized the partition is accepted,
 * which is the "never happened" case.
 *
 * Operations the model declares read-only are linearized eagerly, with no alternatives explored
 * (sound because such an operation can always be moved to the earliest point it is available). This
 * removes the search's branching over concurrent reads.
 *
 * ```ts
 * const verdict = searchPartition(registerModel, ops, Number.POSITIVE_INFINITY, () => performance.now());
 * if (verdict.result === 'ok') console.log(verdict.linearization);
 * ```
 *
 * Not for direct use in most cases: {@link checkOperations} partitions first and applies the time
 * budget. Worst case is exponential in the number of concurrent operations.
 */
import type { Model, Operation } from './types.ts';
import { fmix32, fnv1a32 } from '../../util/hash.ts';

/** The outcome for one partition, with the witness or the best attempt (operation indexes). */
export type PartitionVerdict =
  | { result: 'ok'; linearization: number[] }
  | { result: 'illegal'; longestPrefix: number; longest: number[] }
  | { result: 'timeout'; longestPrefix: number };

interface Entry {
  readonly op: number;
  readonly isCall: boolean;
  readonly time: number;
  /** For a call: its return entry. */
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

interface Frame<S> {
  readonly entry: Entry;
  readonly state: S;
  readonly stateKey: string;
  /** Linearized as a forced move (see the search loop): never an alternative to explore. */
  readonly forced: boolean;
}

/** How many search steps run between two reads of the clock. */
const CLOCK_EVERY = 256;

export function searchPartition<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  deadline: number,
  now: () => number,
): PartitionVerdict {
  const n = ops.length;
  const head = buildList(ops);
  const unknown = ops.map((op) => op.output === undefined);
  let remainingKnown = unknown.filter((u) => !u).length;
  const readOnly = ops.map((op) => model.readOnly?.(op.input, op.output) ?? false);

  const zobrist = new Uint32Array(n);
  for (let i = 0; i < n; i++) zobrist[i] = mix32(i);
  const bits = new Uint32Array((n + 31) >>> 5);
  let bitsHash = 0;
  const cache = new Map<number, { bits: Uint32Array; key: string }[]>();

  let state = model.init();
  const stack: Frame<S>[] = [];
  let longest: number[] = [];
  let steps = 0;

  let stateKey = model.key(state);

  const flip = (op: number): void => {
    bits[op >>> 5] = (bits[op >>> 5] as number) ^ (1 << (op & 31));
    bitsHash ^= zobrist[op] as number;
  };
  /** Undoes frames up to and including the last unforced one; undefined when none is left. */
  const backtrack = (): Entry | undefined => {
    // The stack is deepest right before a backtrack: record the longest partial linearization here.
    if (stack.length > longest.length) longest = stack.map((f) => f.entry.op);
    for (;;) {
      const top = stack.pop();
      if (top === undefined) return undefined;
      state = top.state;
      stateKey = top.stateKey;
      flip(top.entry.op);
      unlift(top.entry);
      if (!unknown[top.entry.op]) remainingKnown++;
      if (!top.forced) return top.entry.next as Entry;
    }
  };

  let e: Entry | null | undefined = head.next;
  while (e !== null && e !== undefined) {
    if (steps++ % CLOCK_EVERY === 0 && now() >= deadline) {
      return { result: 'timeout', longestPrefix: Math.max(longest.length, stack.length) };
    }
    if (remainingKnown === 0) break;
    if (e.isCall) {
      const op = ops[e.op] as Operation<I, O>;
      const next = model.step(state, op.input, op.output);
      if (next.ok) {
        const key = model.key(next.state);
        // An operation that never changes the state (a read) can be linearized at the earliest point
        // it is available: any completion placing it later stays valid with it moved here, because
        // no pending operation returned before its call. So it is not an alternative to try but a
        // forced move, and its failure is the failure of the configuration before it.
        const forced = (readOnly[e.op] as boolean) && key === stateKey;
        flip(e.op);
        if (remember(cache, bits, bitsHash, key)) {
          stack.push({ entry: e, state, stateKey, forced });
          state = next.state;
          stateKey = key;
          lift(e);
          if (!unknown[e.op]) remainingKnown--;
          e = head.next;
          continue;
        }
        flip(e.op);
        if (forced) {
          e = backtrack();
          continue;
        }
      }
      e = e.next;
    } else {
      // The return of an operation not linearized yet: this prefix cannot be extended.
      e = backtrack();
    }
  }
  if (e === undefined) return { result: 'illegal', longestPrefix: longest.length, longest };
  return { result: 'ok', linearization: stack.map((f) => f.entry.op) };
}

/** Sorted entries behind a sentinel head. Invariant: every call precedes its own return. */
function buildList<I, O>(ops: readonly Operation<I, O>[]): Entry {
  const entries: Entry[] = [];
  ops.forEach((op, i) => {
    const ret: Entry = { op: i, isCall: false, time: op.return, match: null, prev: null, next: null };
    const call: Entry = { op: i, isCall: true, time: op.call, match: ret, prev: null, next: null };
    entries.push(call, ret);
  });
  // Stable sort: equal times keep operation order, and calls go before returns (closed intervals).
  entries.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1));
  const head: Entry = {
    op: -1,
    isCall: false,
    time: Number.NEGATIVE_INFINITY,
    match: null,
    prev: null,
    next: null,
  };
  let last = head;
  for (const entry of entries) {
    last.next = entry;
    entry.prev = last;
    last = entry;
  }
  return head;
}

/** Unlinks a call and its return; both keep their own links so {@link unlift} is O(1). */
function lift(call: Entry): void {
  unlink(call);
  unlink(call.match as Entry);
}

function unlink(entry: Entry): void {
  (entry.prev as Entry).next = entry.next;
  if (entry.next !== null) entry.next.prev = entry.prev;
}

/** Relinks in reverse order of {@link lift}. */
function unlift(call: Entry): void {
  relink(call.match as Entry);
  relink(call);
}

function relink(entry: Entry): void {
  (entry.prev as Entry).next = entry;
  if (entry.next !== null) entry.next.prev = entry;
}

/** Adds the configuration to the cache; false when it was already there. */
function remember(
  cache: Map<number, { bits: Uint32Array; key: string }[]>,
  bits: Uint32Array,
  bitsHash: number,
  key: string,
): boolean {
  const hash = (Math.imul(fnv1a32(key), 0x01000193) ^ bitsHash) >>> 0;
  const bucket = cache.get(hash);
  if (bucket === undefined) {
    cache.set(hash, [{ bits: bits.slice(), key }]);
    return true;
  }
  for (const seen of bucket) {
    if (seen.key === key && sameBits(seen.bits, bits)) return false;
  }
  bucket.push({ bits: bits.slice(), key });
  return true;
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A well-mixed 32-bit value per operation index (murmur3 finaliser), for incremental set hashing. */
function mix32(i: number): number {
  return fmix32((i + 0x9e3779b9) | 0);
}
