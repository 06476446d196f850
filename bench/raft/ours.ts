/**
 * Our side of bench/raft: three Raft store member processes (`test/raft-driver/member-proc.ts`,
 * fsync on) on loopback, driven through their HTTP/JSON API with the bench's `HttpClient` (the
 * change feed with Node's fetch), like etcd's gateway.
 * `embedded` runs the same load inside the leader's process through the store API (no HTTP).
 */
import { api, kill, launch, startMembers, status, type ProcCluster } from '../../test/raft-driver/procs.ts';
import type { BenchTarget } from './workload.ts';
import { readMessages } from '../lib/stream.ts';
import { HttpClient, type HttpClientOptions, type HttpResponse } from '../lib/http-client.ts';

function ok(res: HttpResponse, alsoOk = 0): void {
  if (res.status !== 200 && res.status !== alsoOk) throw new Error(`status ${res.status}: ${res.text()}`);
}

export interface OursTarget extends BenchTarget {
  /** Runs `n` puts or gets with `inFlight` concurrent callers inside the leader's process. */
  embedded(kind: 'put' | 'get', n: number, inFlight: number): Promise<number>;
}

/** Starts the members; puts and gets go through one `HttpClient` configured with `httpOptions`. */
export async function startOurs(httpOptions: HttpClientOptions): Promise<OursTarget> {
  const cluster: ProcCluster = await startMembers(['gotham', 'metropolis', 'capitol']);
  const m = cluster.members;
  const base = (i: number): string => `http://127.0.0.1:${m[i]!.webPort}`;
  const http = new HttpClient(httpOptions);
  const target: OursTarget = {
    name: 'ours',
    size: 3,
    async leader() {
      for (;;) {
        for (let i = 0; i < m.length; i++) {
          const s = await status(m[i]!);
          if (s !== null && s.role === 'leader' && s.writable) return i;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async put(i, key, value, alone = false) {
      ok(
        await http.request(`${base(i)}/kv/bench/${encodeURIComponent(key)}`, {
          method: 'PUT',
          body: JSON.stringify(value),
          headers: { 'content-type': 'application/json' },
          alone,
        }),
      );
    },
    async get(i, key) {
      // A read that finds nothing (404) is still a linearizable read.
      ok(await http.request(`${base(i)}/kv/bench/${encodeURIComponent(key)}`), 404);
    },
    async watch(i, prefix, onKey) {
      const ac = new AbortController();
      const res = await fetch(`${base(i)}/watch/bench`, { signal: ac.signal });
      readMessages(res, '\n\n', (event) => {
        if (!event.startsWith('data: ')) return;
        const { key } = JSON.parse(event.slice(6)) as { key: string };
        if (key.startsWith(prefix)) onKey(key);
      });
      return () => ac.abort();
    },
    kill: (i) => kill(m[i]!),
    restart: (i) => launch(m[i]!),
    async healthy() {
      const all = await Promise.all(m.map((x) => status(x)));
      const leader = all[0]?.leader ?? null;
      return leader !== null && all.every((s) => s !== null && s.leader === leader && s.writable);
    },
    async embedded(kind, n, inFlight) {
      const leader = await target.leader();
      const r = await api<{ n: number; ms: number }>(
        m[leader]!,
        'POST',
        `/load/${kind}?n=${n}&concurrency=${inFlight}&size=256`,
        undefined,
        120_000,
      );
      return r.body.n / (r.body.ms / 1000);
    },
    async close() {
      await http.close();
      await cluster.close();
    },
  };
  return target;
}
