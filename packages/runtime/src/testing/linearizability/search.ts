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
 * which is the "never happened" case. Two such operations with the same input are interchangeable
 * once both are called (either may still apply at any later point, or never), so they are only ever
 * linearized in the order of their calls; and one that would leave the state as it is is not
 * linearized at all, since never happening has the same effect. Without these two rules a history
 * with many writes whose outcome is unknown makes the search try every subset of them at every
 * point, which only ends in time when the history is linearizable.
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
import { canonicalValue } from './canonical.ts';

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
  /** The scan it was linearized in: 0 tries operations of known outcome, 1 the others. */
  readonly phase: 0 | 1;
}

/** An explored configuration: the operations linearized, split by outcome, and the model state. */
interface Explored {
  readonly known: Uint32Array;
  readonly unknown: Uint32Array;
  readonly key: string;
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
  const sameBefore = previousAlike(head, ops, unknown);

  const zobrist = new Uint32Array(n);
  for (let i = 0; i < n; i++) zobrist[i] = mix32(i);
  // The linearized operations of known outcome and those of unknown outcome, in two bit sets; the
  // hash covers the first only, so that configurations differing in the second meet in the cache.
  const knownBits = new Uint32Array((n + 31) >>> 5);
  const unknownBits = new Uint32Array((n + 31) >>> 5);
  let knownHash = 0;
  const cache = new Map<number, Explored[]>();

  let state = model.init();
  const stack: Frame<S>[] = [];
  let longest: number[] = [];
  let steps = 0;

  let stateKey = model.key(state);

  const linearized = (op: number): boolean =>
    ((((unknown[op] ? unknownBits : knownBits)[op >>> 5] as number) >>> (op & 31)) & 1) === 1;
  const flip = (op: number): void => {
    const bits = unknown[op] ? unknownBits : knownBits;
    bits[op >>> 5] = (bits[op >>> 5] as number) ^ (1 << (op & 31));
    if (!unknown[op]) knownHash ^= zobrist[op] as number;
  };
  let phase: 0 | 1 = 0;
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
      phase = top.phase;
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
      if (unknown[e.op] !== (phase === 1)) {
        e = e.next; // not this scan's kind
        continue;
      }
      const before = sameBefore[e.op] as number;
      if (before >= 0 && !linearized(before)) {
        e = e.next; // an alike unknown-outcome operation called earlier goes first (symmetry)
        continue;
      }
      const op = ops[e.op] as Operation<I, O>;
      const next = model.step(state, op.input, op.output);
      if (next.ok) {
        const key = model.key(next.state);
        if (unknown[e.op] && key === stateKey) {
          e = e.next; // no effect here: the same as never happening, which stays possible
          continue;
        }
        // An operation that never changes the state (a read) can be linearized at the earliest point
        // it is available: any completion placing it later stays valid with it moved here, because
        // no pending operation returned before its call. So it is not an alternative to try but a
        // forced move, and its failure is the failure of the configuration before it.
        const forced = (readOnly[e.op] as boolean) && key === stateKey;
        flip(e.op);
        if (remember(cache, knownBits, unknownBits, knownHash, key)) {
          stack.push({ entry: e, state, stateKey, forced, phase });
          state = next.state;
          stateKey = key;
          lift(e);
          if (!unknown[e.op]) remainingKnown--;
          phase = 0;
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
    } else if (phase === 0) {
      // Every operation of known outcome that could come next was tried: now those of unknown
      // outcome. Trying these last means a configuration is first reached with as few of them
      // linearized as possible, which the cache's subset rule then uses.
      phase = 1;
      e = head.next;
    } else {
      // The return of an operation not linearized yet: this prefix cannot be extended.
      e = backtrack();
    }
  }
  if (e === undefined) return { result: 'illegal', longestPrefix: longest.length, longest };
  return { result: 'ok', linearization: stack.map((f) => f.entry.op) };
}

/**
 * For each operation with an unknown outcome, the closest operation called before it that also has
 * an unknown outcome and the same input; -1 when there is none, and for every other operation.
 */
function previousAlike<I, O>(head: Entry, ops: readonly Operation<I, O>[], unknown: boolean[]): number[] {
  const before = ops.map(() => -1);
  const last = new Map<string, number>();
  for (let e = head.next; e !== null; e = e.next) {
    if (!e.isCall || !unknown[e.op]) continue;
    const alike = canonicalValue((ops[e.op] as Operation<I, O>).input);
    before[e.op] = last.get(alike) ?? -1;
    last.set(alike, e.op);
  }
  return before;
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

/**
 * Adds the configuration to the cache; false when it is known to fail. A configuration explored
 * before failed (the search would have ended otherwise), and so does one with the same state and
 * the same operations of known outcome linearized but more of unknown outcome: the operations left
 * to it are a subset of those left to the explored one, whose extra ones need never be linearized.
 */
function remember(
  cache: Map<number, Explored[]>,
  known: Uint32Array,
  unknown: Uint32Array,
  knownHash: number,
  key: string,
): boolean {
  const hash = (Math.imul(fnv1a32(key), 0x01000193) ^ knownHash) >>> 0;
  const bucket = cache.get(hash);
  if (bucket === undefined) {
    cache.set(hash, [{ known: known.slice(), unknown: unknown.slice(), key }]);
    return true;
  }
  for (const seen of bucket) {
    if (seen.key === key && sameBits(seen.known, known) && subsetBits(seen.unknown, unknown)) return false;
  }
  bucket.push({ known: known.slice(), unknown: unknown.slice(), key });
  return true;
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function subsetBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (((a[i] as number) & ~(b[i] as number)) !== 0) return false;
  return true;
}

/** A well-mixed 32-bit value per operation index (murmur3 finaliser), for incremental set hashing. */
function mix32(i: number): number {
  return fmix32((i + 0x9e3779b9) | 0);
}
