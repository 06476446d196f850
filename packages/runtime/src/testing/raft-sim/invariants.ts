/**
 * Raft's safety properties, checked while a simulation runs (Raft paper, Figure 3):
 *
 * - Election safety: at most one leader per term.
 * - Leader append-only: a leader never overwrites or deletes entries in its log during its term.
 * - Log matching: if two logs hold an entry with the same index and term, the logs are identical
 *   up to that index.
 * - Leader completeness: a leader's log holds every entry committed before it was elected.
 * - State machine safety: no two members apply different entries at the same index; replicas at
 *   the same applied index hold the same state.
 * plus: commit and apply positions never move backwards within one incarnation of a member.
 *
 * Example:
 * ```ts
 * const monitor = new SafetyMonitor();
 * monitor.onApply('n1', entry);                   // from each Ready's committedEntries
 * monitor.checkNode('n1', 0, rawNode);             // after each Ready
 * if (monitor.violations.length > 0) fail(monitor.violations[0]);
 * ```
 *
 * When not to use: histories of client operations; those go to the linearizability checker.
 */
import type { RawNode } from '../../raft/core/raw-node.ts';
import type { Entry } from '../../raft/core/types.ts';

interface Observed {
  readonly term: number;
  readonly data: string;
}

interface LeaderMark {
  readonly term: number;
  readonly index: number;
  readonly indexTerm: number;
}

function dataKey(e: Entry): string {
  let s = `${e.type}:`;
  for (const b of e.data) s += String.fromCharCode(b);
  return s;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class SafetyMonitor {
  readonly violations: string[] = [];
  /** term → the member that led it. */
  private readonly leaders = new Map<number, string>();
  /** index → the entry applied there (by whoever applied it first). */
  private readonly applied = new Map<number, Observed>();
  private maxApplied = 0;
  /** `member#incarnation` → last seen commit / applied. */
  private readonly progress = new Map<string, { commit: number; applied: number }>();
  /** member → its log tail when last seen as leader. */
  private readonly leaderMarks = new Map<string, LeaderMark>();
  /** index → state fingerprint of the first replica that applied up to it. */
  private readonly fingerprints = new Map<number, string>();

  private fail(msg: string): void {
    if (this.violations.length < 20) this.violations.push(msg);
  }

  /** A member applied a committed entry. */
  onApply(member: string, e: Entry): void {
    const seen = this.applied.get(e.index);
    const data = dataKey(e);
    if (seen === undefined) {
      this.applied.set(e.index, { term: e.term, data });
      this.maxApplied = Math.max(this.maxApplied, e.index);
    } else if (seen.term !== e.term || seen.data !== data) {
      this.fail(
        `state machine safety: ${member} applied (${e.index}, t${e.term}) but t${seen.term} was applied there`,
      );
    }
  }

  /** A replica's state fingerprint after applying everything up to `index`. */
  onState(member: string, index: number, fingerprint: string): void {
    const seen = this.fingerprints.get(index);
    if (seen === undefined) this.fingerprints.set(index, fingerprint);
    else if (seen !== fingerprint) this.fail(`replica ${member} diverged at applied index ${index}`);
  }

  /** Checks one member after it processed a Ready (or was stepped). */
  checkNode(member: string, incarnation: number, raw: RawNode): void {
    const s = {
      commit: raw.commitIndex,
      applied: raw.appliedIndex,
      term: raw.term,
      lastIndex: raw.lastIndex(),
    };
    const key = `${member}#${incarnation}`;
    const prev = this.progress.get(key);
    if (prev !== undefined) {
      if (s.commit < prev.commit) this.fail(`${key} commit went back ${prev.commit} -> ${s.commit}`);
      if (s.applied < prev.applied) this.fail(`${key} applied went back ${prev.applied} -> ${s.applied}`);
      prev.commit = s.commit;
      prev.applied = s.applied;
    } else {
      this.progress.set(key, { commit: s.commit, applied: s.applied });
    }

    if (raw.role !== 'leader') {
      this.leaderMarks.delete(member);
      return;
    }
    const leader = this.leaders.get(s.term);
    if (leader === undefined) {
      this.leaders.set(s.term, member);
      this.checkCompleteness(member, raw);
    } else if (leader !== member) {
      this.fail(`election safety: ${leader} and ${member} both led term ${s.term}`);
    }
    const mark = this.leaderMarks.get(member);
    if (mark !== undefined && mark.term === s.term) {
      const t = raw.termAt(mark.index);
      if (s.lastIndex < mark.index || (t !== undefined && t !== mark.indexTerm)) {
        this.fail(`leader append-only: ${member} changed its log at ${mark.index} during term ${s.term}`);
      }
    }
    this.leaderMarks.set(member, {
      term: s.term,
      index: s.lastIndex,
      indexTerm: raw.termAt(s.lastIndex) ?? 0,
    });
  }

  /** Leader completeness: a new leader holds every entry any member has applied. */
  private checkCompleteness(member: string, raw: RawNode): void {
    if (raw.lastIndex() < this.maxApplied) {
      this.fail(
        `leader completeness: ${member} leads with last index ${raw.lastIndex()} < applied ${this.maxApplied}`,
      );
      return;
    }
    const first = raw.firstIndex();
    for (const [index, seen] of this.applied) {
      if (index < first) continue;
      const t = raw.termAt(index);
      if (t !== seen.term) {
        this.fail(`leader completeness: ${member} has t${String(t)} at ${index}, committed t${seen.term}`);
        return;
      }
    }
  }

  /** Log matching across all pairs of live members' in-memory logs. */
  checkLogMatching(nodes: ReadonlyArray<{ id: string; raw: RawNode }>): void {
    for (let a = 0; a < nodes.length; a++) {
      for (let b = a + 1; b < nodes.length; b++) this.matchPair(nodes[a]!, nodes[b]!);
    }
  }

  private matchPair(x: { id: string; raw: RawNode }, y: { id: string; raw: RawNode }): void {
    const lo = Math.max(x.raw.firstIndex(), y.raw.firstIndex());
    let hi = Math.min(x.raw.lastIndex(), y.raw.lastIndex());
    while (hi >= lo && x.raw.termAt(hi) !== y.raw.termAt(hi)) hi--;
    if (hi < lo) return;
    const xs = x.raw.entries(lo, hi + 1);
    const ys = y.raw.entries(lo, hi + 1);
    for (let i = 0; i < xs.length; i++) {
      const a = xs[i]!;
      const b = ys[i]!;
      // Entries travel by reference inside one process: the same object is the common case.
      if (a === b) continue;
      if (a.term !== b.term || a.type !== b.type || !sameBytes(a.data, b.data)) {
        this.fail(`log matching: ${x.id} and ${y.id} agree at ${hi} but differ at ${xs[i]!.index}`);
        return;
      }
    }
  }
}
