/**
 * Errors of discovery. A source that cannot start (a gossip port in use, a bad multicast group)
 * makes `startNode` reject with `DiscoveryStartError`, carrying the source's own error as `cause`.
 *
 * Example:
 * ```ts
 * try { await startNode({ name, cookie, discovery }); }
 * catch (err) { if (err instanceof DiscoveryStartError) console.error(err.message, err.cause); }
 * ```
 */
import { WireError } from '../../wire/errors.ts';

/** A discovery source failed to start. */
export class DiscoveryStartError extends WireError {
  constructor(cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('ERR_DISCOVERY_START', `discovery could not start: ${detail}`, { cause });
  }
}
