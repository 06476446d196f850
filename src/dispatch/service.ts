/**
 * What the HTTP API and the page ask of a node. The cluster implementation lives beside this file;
 * the web layer depends only on this interface.
 *
 * Errors are `DispatchError`s with a stable code that the HTTP layer maps to a status:
 * `bad_request` 400, `not_found` 404 (an id that never existed), `dead_hero` 409 (terminated or
 * died), `city_down` 409 (assigned to a city that is not up), `no_quorum` 503, `unavailable` 503
 * (also: the id is absent from this node's crdt replica while it refills from its peers, so whether
 * it exists is unknown here yet), `timeout` 504, `outcome_unknown` 504.
 *
 * Errors write nothing: a create, assign or terminate that fails with any code but
 * `outcome_unknown` (and `timeout`, on a write) left no trace. `outcome_unknown` means the write may
 * still take effect; a retry with the same idempotency key applies it at most once.
 */
import { CodedError } from '@superhero-dispatch/runtime';
import type { ClusterView, DispatchEvent, Hero, Location } from './model.ts';
import type { NodeAction } from './node-actions.ts';

/** Every code a `DispatchError` can carry. */
export const DISPATCH_ERROR_CODES = [
  'bad_request',
  'not_found',
  'dead_hero',
  'city_down',
  'no_quorum',
  'unavailable',
  'timeout',
  'outcome_unknown',
] as const;

export type DispatchErrorCode = (typeof DISPATCH_ERROR_CODES)[number];

/**
 * A client's idempotency key (the HTTP `Idempotency-Key` header): a request retried with the same
 * key is applied at most once and answered as the first was (a create names the same hero).
 */
export interface WriteRequest {
  readonly idempotencyKey?: string;
}

/**
 * A created hero, with `durability: 'local'` when the store acknowledged it before any other
 * replica held it (crdt mode with no peer reachable: the write concern's fallback, see
 * docs/crdt.md). Absent otherwise: in raft mode a commit is on a majority, and in crdt mode a peer
 * held it.
 */
export type CreatedHero = Hero & { readonly durability?: 'local' };

export class DispatchError extends CodedError<DispatchErrorCode> {
  constructor(code: DispatchErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'DispatchError';
  }
}

/** The chaos controls (`node-actions.ts`, the one table of them). */
export type { NodeAction };

export interface DispatchService {
  /** This node's short name (gotham, …) and its page title ("Gotham Dispatcher"). */
  readonly nodeName: string;
  listHeroes(): Promise<Hero[]>;
  getHero(id: string): Promise<Hero>;
  createHero(input: { name?: string }, request?: WriteRequest): Promise<CreatedHero>;
  terminateHero(id: string, request?: WriteRequest): Promise<void>;
  assignHero(id: string, location: Location, request?: WriteRequest): Promise<Hero>;
  cluster(): Promise<ClusterView>;
  /** Crash a city's actor; `random` picks a live city. Resolves with the city destroyed. */
  destroyCity(city: string): Promise<string>;
  /** Chaos controls: resolves once the action has been handed to the node or launcher. */
  nodeAction(node: string, action: NodeAction): Promise<void>;
  /** Live events for the page; returns an unsubscribe function. */
  subscribe(listener: (event: DispatchEvent) => void): () => void;
  /** Ready to serve (joined the cluster, store reachable). */
  ready(): boolean;
  /** Why not ready, in one line (null when ready); `/readyz` shows it. Default: a generic line. */
  notReadyReason?(): string | null;
}

const DISPATCH_CODES: ReadonlySet<string> = new Set(DISPATCH_ERROR_CODES);

/**
 * A `DispatchError` raised on another node (a hero's actor answering a call from here) arrives as
 * a `RemoteError` named `DispatchError` with the same code: rebuilt here with that code, so that an
 * `outcome_unknown` or a `dead_hero` from a remote actor is reported as such (not as `unavailable`).
 */
export function remoteDispatchError(err: unknown): DispatchError | undefined {
  if (!(err instanceof CodedError) || err.name !== 'DispatchError' || !DISPATCH_CODES.has(err.code))
    return undefined;
  return new DispatchError(err.code as DispatchErrorCode, err.message, { cause: err });
}

/**
 * Map a lower-layer failure to the error the API reports. Every layer's errors are `CodedError`s
 * sharing one vocabulary for the outcomes that matter here (`no_quorum`, `timeout`, `not_found`,
 * `unavailable`, the actor runtime's `noproc`/`exit`/`noconnection`); an error raised on another
 * node arrives as a `RemoteError` carrying its code, so the code, not the class, is what crosses
 * the wire (a remote `DispatchError` keeps its code: `remoteDispatchError`). Anything else,
 * foreign errors included, is `unavailable`.
 */
export function toDispatchError(err: unknown): DispatchError {
  if (err instanceof DispatchError) return err;
  const remote = remoteDispatchError(err);
  if (remote) return remote;
  const code = err instanceof CodedError ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'no_quorum')
    return new DispatchError(
      'no_quorum',
      message.startsWith('no quorum') ? message : `no quorum: ${message}`,
      { cause: err },
    );
  if (code === 'timeout' || code === 'noconnection')
    return new DispatchError('timeout', message, { cause: err });
  if (code === 'noproc' || code === 'exit' || code === 'unavailable')
    return new DispatchError('unavailable', message, { cause: err });
  if (code === 'not_found') return new DispatchError('not_found', message, { cause: err });
  return new DispatchError('unavailable', message, { cause: err });
}
