/**
 * ClientCaps: how many of something (connections, event streams) each client and all clients
 * together may hold at once. A pure counter, no I/O: the server asks `acquire` when a client wants
 * one more and calls `release` when it gives one back.
 *
 * ```ts
 * const caps = new ClientCaps({ perClient: 8, total: 256 });
 * const verdict = caps.acquire('10.0.0.7');   // 'ok' | 'client' (its share is used) | 'total' (all are)
 * if (verdict === 'ok') stream.onClose(() => caps.release('10.0.0.7'));
 * ```
 *
 * Invariants: `open` equals the number of `ok` acquisitions not yet released; a refused acquire
 * changes nothing; a key's count never goes below zero, and a key at zero is forgotten (the map
 * does not grow with every address ever seen).
 *
 * When not to use: for request rates over time (this counts what is held now, not what was asked).
 */

export interface ClientCapsOptions {
  /** Most held at once by one client (one remote address). */
  readonly perClient: number;
  /** Most held at once by all clients together. */
  readonly total: number;
}

export type CapVerdict = 'ok' | 'client' | 'total';

export class ClientCaps {
  readonly perClient: number;
  readonly total: number;
  readonly #held = new Map<string, number>();
  #open = 0;

  constructor(options: ClientCapsOptions) {
    for (const [label, value] of Object.entries(options)) {
      if (!Number.isInteger(value) || value < 1)
        throw new RangeError(`${label} must be an integer >= 1, got ${value}`);
    }
    this.perClient = options.perClient;
    this.total = options.total;
  }

  /** Held now by all clients. */
  get open(): number {
    return this.#open;
  }

  /** Held now by `client`. */
  heldBy(client: string): number {
    return this.#held.get(client) ?? 0;
  }

  /** Takes one for `client` if its share and the total allow; the client's limit is checked first. */
  acquire(client: string): CapVerdict {
    const held = this.#held.get(client) ?? 0;
    if (held >= this.perClient) return 'client';
    if (this.#open >= this.total) return 'total';
    this.#held.set(client, held + 1);
    this.#open++;
    return 'ok';
  }

  /** Gives back one that `acquire` granted to `client`. */
  release(client: string): void {
    const held = this.#held.get(client) ?? 0;
    if (held === 0) return;
    if (held === 1) this.#held.delete(client);
    else this.#held.set(client, held - 1);
    this.#open--;
  }
}
