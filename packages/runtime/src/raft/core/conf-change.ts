/**
 * Membership changes, one server at a time. A `config` log entry carries the change *and* the
 * whole resulting configuration, so applying it is "replace the configuration" and a node that
 * starts from an empty log learns the full membership from the first config entry it applies.
 *
 * Example:
 * ```ts
 * const next = applyConfChange({ voters: ['a', 'b', 'c'], learners: [] }, { type: 'add-learner', node: 'd' });
 * const data = encodeConfEntry({ type: 'add-learner', node: 'd' }, next);
 * ```
 *
 * API: `applyConfChange(conf, change)` (returns the next ConfState or a string explaining why the
 * change is invalid), `encodeConfEntry`, `decodeConfEntry`, `isVoter`, `quorumSize`.
 *
 * A configuration takes effect when its entry is applied (etcd's rule); a leader refuses a new
 * change while an earlier one is not yet applied, so at most one change is in flight and any two
 * consecutive configurations share a majority.
 *
 * When not to use: joint consensus (several changes at once) is not supported.
 */
import { ConfChangeDecodeError } from './errors.ts';
import type { ConfChange, ConfState } from './types.ts';

export const EMPTY_CONF: ConfState = { voters: [], learners: [] };

export function isVoter(conf: ConfState, id: string): boolean {
  return conf.voters.includes(id);
}

export function isMember(conf: ConfState, id: string): boolean {
  return conf.voters.includes(id) || conf.learners.includes(id);
}

/** Votes (or acknowledgements) needed for a majority of the voters. */
export function quorumSize(conf: ConfState): number {
  return Math.floor(conf.voters.length / 2) + 1;
}

/** The configuration after `change`, or a reason why `change` does not apply to `conf`. */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState | string {
  const { node } = change;
  if (typeof node !== 'string' || node.length === 0) return 'node id must be a non-empty string';
  const voter = conf.voters.includes(node);
  const learner = conf.learners.includes(node);
  switch (change.type) {
    case 'add-learner':
      if (voter || learner) return `${node} is already a member`;
      return { voters: [...conf.voters], learners: [...conf.learners, node] };
    case 'add-voter':
      if (voter) return `${node} is already a voter`;
      return {
        voters: [...conf.voters, node],
        learners: conf.learners.filter((l) => l !== node),
      };
    case 'promote':
      if (!learner) return `${node} is not a learner`;
      return {
        voters: [...conf.voters, node],
        learners: conf.learners.filter((l) => l !== node),
      };
    case 'remove':
      if (!voter && !learner) return `${node} is not a member`;
      if (voter && conf.voters.length === 1) return `cannot remove the last voter ${node}`;
      return {
        voters: conf.voters.filter((v) => v !== node),
        learners: conf.learners.filter((l) => l !== node),
      };
  }
}

interface ConfEntryBody {
  readonly change: ConfChange | null;
  readonly config: ConfState;
}

/** Encodes a config entry's data. `change` is null for the bootstrap configuration. */
export function encodeConfEntry(change: ConfChange | null, config: ConfState): Uint8Array {
  const body: ConfEntryBody = { change, config };
  return new TextEncoder().encode(JSON.stringify(body));
}

function stringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** Decodes a config entry's data; throws `ConfChangeDecodeError` if it is not one. */
export function decodeConfEntry(data: Uint8Array): ConfEntryBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(data));
  } catch (cause) {
    throw new ConfChangeDecodeError('config entry is not valid JSON', { cause });
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new ConfChangeDecodeError('config entry is not an object');
  }
  const { config, change } = parsed as { config?: unknown; change?: unknown };
  if (typeof config !== 'object' || config === null) {
    throw new ConfChangeDecodeError('config entry has no config');
  }
  const { voters, learners } = config as { voters?: unknown; learners?: unknown };
  if (!stringArray(voters) || !stringArray(learners)) {
    throw new ConfChangeDecodeError('config entry has malformed voters or learners');
  }
  return { change: (change ?? null) as ConfChange | null, config: { voters, learners } };
}
