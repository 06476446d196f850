/**
 * The peer of bench/raft: a 3-member etcd cluster on loopback in a temporary directory (Debian's
 * `etcd-server`, default timing: 100 ms heartbeat, 1 s election, fsync on), driven through its
 * HTTP/JSON gRPC gateway (`/v3/kv/put`, `/v3/kv/range`) with the bench's `HttpClient`, as ours
 * (`/v3/watch` with Node's fetch).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@superhero-dispatch/runtime/testing';
import type { BenchTarget } from './workload.ts';
import { readMessages } from '../lib/stream.ts';
import { HttpClient, type HttpClientOptions } from '../lib/http-client.ts';

const ETCD = '/usr/bin/etcd';

export function etcdAvailable(): boolean {
  return spawnSync(ETCD, ['--version'], { stdio: 'ignore' }).error === undefined;
}

interface EtcdMember {
  readonly name: string;
  readonly client: string;
  readonly args: string[];
  child: ChildProcess;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function post(
  http: HttpClient,
  url: string,
  body: unknown,
  timeoutMs = 10_000,
  alone = false,
): Promise<Record<string, unknown>> {
  const res = await http.request(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    timeoutMs,
    alone,
  });
  const json = res.json<Record<string, unknown>>();
  if (res.status !== 200) throw new Error(`etcd ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Starts the cluster; puts and gets go through one `HttpClient` configured with `httpOptions`. */
export async function startEtcd(httpOptions: HttpClientOptions): Promise<BenchTarget> {
  const http = new HttpClient(httpOptions);
  const root = await mkdtemp(join(tmpdir(), 'bench-etcd-'));
  const ports: Array<[number, number]> = [];
  for (let i = 0; i < 3; i++) ports.push([await freePort(), await freePort()]);
  const cluster = ports.map(([, peer], i) => `e${i}=http://127.0.0.1:${peer}`).join(',');
  const members: EtcdMember[] = ports.map(([client, peer], i) => ({
    name: `e${i}`,
    client: `http://127.0.0.1:${client}`,
    args: [
      '--name',
      `e${i}`,
      '--data-dir',
      join(root, `e${i}`),
      '--listen-client-urls',
      `http://127.0.0.1:${client}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${client}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-cluster',
      cluster,
      '--initial-cluster-token',
      'bench',
      '--initial-cluster-state',
      'new',
      '--log-level',
      'error',
      '--logger',
      'zap',
    ],
    child: undefined as never,
  }));
  const launch = (m: EtcdMember): void => {
    m.child = spawn(ETCD, m.args, { stdio: 'ignore' });
  };
  members.forEach(launch);
  const target: BenchTarget = {
    name: 'etcd 3.4',
    size: 3,
    async leader() {
      for (;;) {
        for (let i = 0; i < members.length; i++) {
          try {
            const s = await post(http, `${members[i]!.client}/v3/maintenance/status`, {}, 1000);
            const header = s['header'] as { member_id: string };
            const leader = s['leader'] as string | undefined;
            if (leader !== undefined && leader !== '0' && leader === header.member_id) return i;
          } catch {
            // not up yet, or killed
          }
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async put(i, key, value, alone) {
      const body = { key: b64(key), value: b64(value) };
      await post(http, `${members[i]!.client}/v3/kv/put`, body, undefined, alone);
    },
    async get(i, key) {
      await post(http, `${members[i]!.client}/v3/kv/range`, { key: b64(key) });
    },
    async watch(i, prefix, onKey) {
      const ac = new AbortController();
      const res = await fetch(`${members[i]!.client}/v3/watch`, {
        method: 'POST',
        body: JSON.stringify({
          create_request: {
            key: b64(prefix),
            range_end: b64(
              prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1),
            ),
          },
        }),
        signal: ac.signal,
      });
      readMessages(res, '\n', (line) => {
        const msg = JSON.parse(line) as { result?: { events?: { kv: { key: string } }[] } };
        for (const e of msg.result?.events ?? []) onKey(Buffer.from(e.kv.key, 'base64').toString());
      });
      // Give the watch a moment to be registered on the server.
      await new Promise((r) => setTimeout(r, 200));
      return () => ac.abort();
    },
    async kill(i) {
      const m = members[i]!;
      await new Promise<void>((resolve) => {
        if (m.child.exitCode !== null || m.child.signalCode !== null) return resolve();
        m.child.once('exit', () => resolve());
        m.child.kill('SIGKILL');
      });
    },
    async restart(i) {
      // The data directory exists, so etcd recovers from it and ignores the initial-cluster flags.
      launch(members[i]!);
      await Promise.resolve();
    },
    async healthy() {
      for (const m of members) {
        try {
          await post(http, `${m.client}/v3/kv/range`, { key: b64('health') }, 1000);
        } catch {
          return false;
        }
      }
      return true;
    },
    async close() {
      await http.close();
      await Promise.all(members.map((_, i) => target.kill(i)));
      await rm(root, { recursive: true, force: true });
    },
  };
  return target;
}
