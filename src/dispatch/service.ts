/**
 * What the HTTP API and the page ask of a node. The cluster implementation lives beside this file;
 * the web layer depends only on this interface.
 *
 * Errors are `DispatchError`s with a stable code that the HTTP layer maps to a status:
 * `bad_request` 400, `not_found` 404, `dead_hero` 409, `city_down` 409 (assigned to a city that
 * is not up), `no_quorum` 503, `unavailable` 503,
 * `timeout` 504.
 */
import type { ClusterView, DispatchEvent, Hero, Location } from './model.ts';

export type DispatchErrorCode =
  'bad_request' | 'not_found' | 'dead_hero' | 'city_down' | 'no_quorum' | 'unavailable' | 'timeout';

export class DispatchError extends Error {
  readonly code: DispatchErrorCode;
  constructor(code: DispatchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'DispatchError';
  }
}

export type NodeAction = 'shutdown' | 'restart' | 'partition' | 'heal';

export interface DispatchService {
  /** This node's short name (gotham, …) and its page title ("Gotham Dispatcher"). */
  readonly nodeName: string;
  listHeroes(): Promise<Hero[]>;
  getHero(id: string): Promise<Hero>;
  createHero(input: { name?: string }): Promise<Hero>;
  terminateHero(id: string): Promise<void>;
  assignHero(id: string, location: Location): Promise<Hero>;
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

/** Map a lower-layer failure to the error the API reports. */
export function toDispatchError(err: unknown): DispatchError {
  if (err instanceof DispatchError) return err;
  const code = (err as { code?: unknown } | null)?.code;
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
