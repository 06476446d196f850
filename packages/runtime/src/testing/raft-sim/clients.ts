/**
 * Simulated clients of the Raft simulation. Each runs one operation at a time (get, put, cas,
 * delete on a few keys, with unique written values), retries on redirects, lost proposals and
 * per-attempt timeouts with the same session sequence number (so a retried write applies once),
 * and records a history for the linearizability checker. An operation that has not completed by
 * its deadline is recorded with an unknown outcome (`return` = +∞), and the client continues under
 * a new history id, as the checker requires.
 *
 * Example: created by `runRaftSimulation`; read `SimClients.history` afterwards.
 *
 * When not to use: load generation against real clusters.
 */
import type { KvInput, KvOutput, Operation } from '../linearizability/index.ts';
import type { ClientReply, ClientRequest } from './node.ts';
import type { SimRandom, SimScheduler } from '../sim/index.ts';

export interface ClientEnv {
  readonly queue: SimScheduler;
  readonly rng: SimRandom;
  /** Members a client may contact. */
  members(): readonly string[];
  /** Sends a request to a member over the (lossy) client network. */
  send(to: string, req: ClientRequest): void;
}

export interface ClientTuning {
  /** Keys the workload touches. */
  readonly keys: readonly string[];
  /** Give up on an operation after this many virtual ms (outcome unknown). */
  readonly opTimeout: number;
  /** Re-send an attempt that got no answer after this many virtual ms. */
  readonly attemptTimeout: number;
  /** Pause between operations, virtual ms (upper bound). */
  readonly thinkTime: number;
}

interface Current {
  readonly input: KvInput;
  readonly seq: number;
  readonly call: number;
  readonly deadline: number;
  reqId: number;
}

export class SimClients {
  readonly history: Operation<KvInput, KvOutput>[] = [];
  /** Virtual time of the latest successful operation. */
  lastSuccess = -1;
  successes = 0;
  private readonly env: ClientEnv;
  private readonly tuning: ClientTuning;
  private nextReqId = 1;
  private nextHistoryId = 0;
  private readonly clients: ClientState[] = [];
  private stopAt = Number.POSITIVE_INFINITY;

  constructor(env: ClientEnv, tuning: ClientTuning, count: number) {
    this.env = env;
    this.tuning = tuning;
    for (let i = 0; i < count; i++) {
      this.clients.push({
        session: i + 1,
        historyId: this.nextHistoryId++,
        seq: 0,
        current: null,
        target: null,
        written: 0,
        seen: new Map(),
      });
    }
  }

  start(): void {
    for (const c of this.clients)
      this.env.queue.after(this.env.rng.int(0, this.tuning.thinkTime + 1), () => this.begin(c));
  }

  /** No new operations are started after `at`. */
  stopIssuingAt(at: number): void {
    this.stopAt = at;
  }

  /** Records every unfinished operation as unknown (end of the run). */
  finish(): void {
    for (const c of this.clients) if (c.current !== null) this.giveUp(c, false);
  }

  onReply(session: number, r: ClientReply): void {
    const c = this.clients[session - 1];
    if (c === undefined || c.current === null || c.current.reqId !== r.reqId) return;
    const cur = c.current;
    const q = this.env.queue;
    switch (r.kind) {
      case 'ok':
        this.history.push({
          clientId: c.historyId,
          input: cur.input,
          call: cur.call,
          return: q.now,
          output: r.output,
        });
        this.lastSuccess = q.now;
        this.successes++;
        if (cur.input.op === 'get') c.seen.set(cur.input.key, r.output.value ?? null);
        else if (cur.input.op === 'put' || (cur.input.op === 'cas' && r.output.ok))
          c.seen.set(cur.input.key, cur.input.value ?? null);
        else if (cur.input.op === 'delete') c.seen.set(cur.input.key, null);
        else c.seen.set(cur.input.key, r.output.value ?? null);
        c.current = null;
        q.after(this.env.rng.int(0, this.tuning.thinkTime + 1), () => this.begin(c));
        return;
      case 'redirect':
        c.target = r.leader;
        cur.reqId = -1;
        q.after(this.env.rng.int(1, 6), () => this.attempt(c));
        return;
      case 'retry':
        c.target = null;
        cur.reqId = -1;
        q.after(this.env.rng.int(1, 6), () => this.attempt(c));
        return;
    }
  }

  private begin(c: ClientState): void {
    const q = this.env.queue;
    if (q.now >= this.stopAt || c.current !== null) return;
    const rng = this.env.rng;
    const key = rng.pick(this.tuning.keys);
    const roll = rng.next();
    let input: KvInput;
    if (roll < 0.4) input = { op: 'get', key };
    else if (roll < 0.7) input = { op: 'put', key, value: `s${c.session}v${++c.written}` };
    else if (roll < 0.9) {
      const expected = c.seen.has(key) && rng.chance(0.8) ? (c.seen.get(key) ?? null) : null;
      input = { op: 'cas', key, value: `s${c.session}v${++c.written}`, expected };
    } else input = { op: 'delete', key };
    const seq = input.op === 'get' ? 0 : ++c.seq;
    c.current = { input, seq, call: q.now, deadline: q.now + this.tuning.opTimeout, reqId: -1 };
    this.attempt(c);
  }

  private attempt(c: ClientState): void {
    const cur = c.current;
    if (cur === null || cur.reqId !== -1) return;
    const q = this.env.queue;
    if (q.now >= cur.deadline) {
      this.giveUp(c, true);
      return;
    }
    const members = this.env.members();
    const target = c.target !== null && members.includes(c.target) ? c.target : this.env.rng.pick(members);
    c.target = target;
    const reqId = this.nextReqId++;
    cur.reqId = reqId;
    this.env.send(target, {
      reqId,
      client: c.session,
      cmd: { ...cur.input, client: c.session, seq: cur.seq },
    });
    q.after(this.tuning.attemptTimeout, () => {
      if (c.current !== cur || cur.reqId !== reqId) return;
      c.target = null;
      cur.reqId = -1;
      this.attempt(c);
    });
  }

  private giveUp(c: ClientState, continueAfter: boolean): void {
    const cur = c.current!;
    this.history.push({
      clientId: c.historyId,
      input: cur.input,
      call: cur.call,
      return: Number.POSITIVE_INFINITY,
      output: undefined,
    });
    c.historyId = this.nextHistoryId++;
    c.current = null;
    if (continueAfter)
      this.env.queue.after(this.env.rng.int(0, this.tuning.thinkTime + 1), () => this.begin(c));
  }
}

interface ClientState {
  readonly session: number;
  historyId: number;
  seq: number;
  current: Current | null;
  target: string | null;
  written: number;
  /** Last value this client saw per key, to aim its compare-and-sets. */
  seen: Map<string, string | null>;
}
