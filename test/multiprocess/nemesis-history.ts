/**
 * The nemesis test's history: what the clients saw, the per-hero model it is checked against, and
 * the end-of-run facts (lost acknowledged creates, undone deletes). Pure: no I/O, no clock.
 *
 * ```ts
 * const ops: HeroOp[] = [...recorded, ...deaths(recorded)];
 * checkOperations(heroModel, ops, { timeoutMs: 120_000 }); // raft mode
 * ```
 *
 * The model, per hero id: a register of existence and location — `absent` (never created),
 * `dead` (terminated or died), or the location of the live hero. Outputs:
 * - `ok`: 201/200/204 with the location seen (create: `home`);
 * - `dead` (409 `dead_hero`), `absent` (404 `not_found`): facts about the state at that moment;
 * - `failed`: any other error answer, or a refused connection — the request wrote nothing;
 * - `undefined` (unknown): a 504, a reset, a request that got no answer in time — it may take
 *   effect at any point after its call, or never.
 * A hero may die on its own at any time (a lost fight): one `die` operation per hero with an unknown
 * outcome, called when the hero's first create was, stands for it.
 */
import type { Model, Operation } from '../../packages/runtime/src/testing/linearizability/index.ts';

export type HeroState = 'absent' | 'dead' | string;

export type HeroInput =
  | { readonly op: 'create'; readonly id: string }
  | { readonly op: 'read'; readonly id: string }
  | { readonly op: 'assign'; readonly id: string; readonly location: string }
  | { readonly op: 'delete'; readonly id: string }
  | { readonly op: 'die'; readonly id: string };

export type HeroOutput =
  | { readonly kind: 'ok'; readonly location?: string }
  | { readonly kind: 'dead' }
  | { readonly kind: 'absent' }
  | { readonly kind: 'failed'; readonly status: number; readonly code?: string };

export type HeroOp = Operation<HeroInput, HeroOutput>;

const isLive = (s: HeroState): boolean => s !== 'absent' && s !== 'dead';

export const heroModel: Model<HeroState, HeroInput, HeroOutput> = {
  init: () => 'absent',
  step(state, input, output) {
    const same = { ok: true, state };
    if (output?.kind === 'failed') return same; // errors write nothing
    if (output?.kind === 'dead') return { ok: state === 'dead', state };
    if (output?.kind === 'absent') return { ok: state === 'absent', state };
    switch (input.op) {
      case 'die':
        return { ok: true, state: isLive(state) ? 'dead' : state };
      case 'read':
        if (output === undefined) return same;
        return { ok: isLive(state) && output.location === state, state };
      case 'create':
        if (output === undefined) return { ok: true, state: state === 'absent' ? 'home' : state };
        return { ok: state === 'absent', state: 'home' };
      case 'assign':
        if (output === undefined) return { ok: true, state: isLive(state) ? input.location : state };
        return { ok: isLive(state) && output.location === input.location, state: input.location };
      case 'delete':
        if (output === undefined) return { ok: true, state: isLive(state) ? 'dead' : state };
        return { ok: isLive(state), state: 'dead' };
    }
  },
  partition(history) {
    const byId = new Map<string, HeroOp[]>();
    for (const op of history) {
      const list = byId.get(op.input.id) ?? [];
      list.push(op);
      byId.set(op.input.id, list);
    }
    return [...byId.values()];
  },
  key: (state) => state,
  readOnly: (input, output) => input.op === 'read' || output?.kind === 'failed',
};

/** One `die` per hero (unknown outcome, from the hero's first create on): a death in a fight. */
export function deaths(history: readonly HeroOp[], clientBase: number): HeroOp[] {
  const first = new Map<string, number>();
  for (const op of history)
    if (op.input.op === 'create')
      first.set(op.input.id, Math.min(first.get(op.input.id) ?? Infinity, op.call));
  return [...first].map(([id, call], i) => ({
    clientId: clientBase + i,
    input: { op: 'die', id },
    call,
    return: Number.POSITIVE_INFINITY,
    output: undefined,
  }));
}

/** What every node answers for a hero at the end of the run: 200 live, 409 dead, 404 unknown. */
export type FinalAnswer = 'live' | 'dead' | 'absent' | 'error';

export interface EndFacts {
  /** Acknowledged creates (201) that some node answers 404 for at the end. */
  readonly lostCreates: string[];
  /** Acknowledged deletes (204, or 409 dead) that some node answers 200 for at the end. */
  readonly undoneDeletes: string[];
}

export function endFacts(history: readonly HeroOp[], finals: ReadonlyMap<string, FinalAnswer[]>): EndFacts {
  const created = new Set<string>();
  const deleted = new Set<string>();
  for (const op of history) {
    if (op.input.op === 'create' && op.output?.kind === 'ok') created.add(op.input.id);
    if (op.input.op === 'delete' && (op.output?.kind === 'ok' || op.output?.kind === 'dead'))
      deleted.add(op.input.id);
  }
  const answers = (id: string): FinalAnswer[] => finals.get(id) ?? [];
  return {
    lostCreates: [...created].filter((id) => answers(id).includes('absent')),
    undoneDeletes: [...deleted].filter((id) => answers(id).includes('live')),
  };
}
