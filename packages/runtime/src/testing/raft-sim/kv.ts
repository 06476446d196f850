/**
 * The tiny replicated key-value state machine of the Raft simulation, with client sessions
 * (thesis 6.3): every command carries `(client, seq)`; a replica executes a command only if `seq`
 * is newer than the last one it executed for that client, and answers a retry of the last one from
 * its cache. So a command retried after a timeout takes effect at most once.
 *
 * Example:
 * ```ts
 * const kv = new SimKv();
 * kv.apply({ client: 1, seq: 1, op: 'put', key: 'k', value: 'v' }); // { ok: true }
 * kv.apply({ client: 1, seq: 1, op: 'put', key: 'k', value: 'v' }); // cached { ok: true }, not re-run
 * ```
 *
 * When not to use: outside simulations; the real table machine lives in `raft/tables/`.
 */
import type { KvInput, KvOutput } from '../linearizability/index.ts';

export interface KvCommand extends KvInput {
  readonly client: number;
  readonly seq: number;
}

interface Session {
  readonly seq: number;
  readonly result: KvOutput;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeCommand(cmd: KvCommand): Uint8Array {
  return enc.encode(JSON.stringify(cmd));
}

export function decodeCommand(data: Uint8Array): KvCommand {
  return JSON.parse(dec.decode(data)) as KvCommand;
}

export class SimKv {
  readonly data = new Map<string, string>();
  readonly sessions = new Map<number, Session>();
  /** Commands executed (not answered from the cache), for the at-most-once invariant. */
  executed = 0;

  /**
   * Applies a command. Returns its result, the cached result for a retry of the client's last
   * command, or null for an older, superseded retry (nobody waits for it any more).
   */
  apply(cmd: KvCommand): KvOutput | null {
    const session = this.sessions.get(cmd.client);
    if (session !== undefined && cmd.seq <= session.seq)
      return cmd.seq === session.seq ? session.result : null;
    const result = this.execute(cmd);
    this.sessions.set(cmd.client, { seq: cmd.seq, result });
    this.executed++;
    return result;
  }

  get(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  private execute(cmd: KvCommand): KvOutput {
    const current = this.data.get(cmd.key) ?? null;
    switch (cmd.op) {
      case 'get':
        return { ok: true, value: current };
      case 'put':
        this.data.set(cmd.key, cmd.value ?? '');
        return { ok: true };
      case 'delete':
        this.data.delete(cmd.key);
        return { ok: true };
      case 'cas':
        if (current !== (cmd.expected ?? null)) return { ok: false, value: current };
        this.data.set(cmd.key, cmd.value ?? '');
        return { ok: true };
    }
  }

  snapshot(): Uint8Array {
    return enc.encode(
      JSON.stringify({ data: [...this.data], sessions: [...this.sessions], executed: this.executed }),
    );
  }

  static restore(bytes: Uint8Array): SimKv {
    const kv = new SimKv();
    if (bytes.byteLength === 0) return kv;
    const parsed = JSON.parse(dec.decode(bytes)) as {
      data: [string, string][];
      sessions: [number, Session][];
      executed: number;
    };
    for (const [k, v] of parsed.data) kv.data.set(k, v);
    for (const [c, s] of parsed.sessions) kv.sessions.set(c, s);
    kv.executed = parsed.executed;
    return kv;
  }

  /** A canonical fingerprint of the state, to compare replicas at the same applied index. */
  fingerprint(): string {
    const data = [...this.data].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const sessions = [...this.sessions].sort((a, b) => a[0] - b[0]).map(([c, s]) => [c, s.seq]);
    return JSON.stringify([data, sessions]);
  }
}
