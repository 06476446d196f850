/**
 * Runs a real dispatch cluster for the multi-process tests: one OS process per city node with the
 * given store mode, addressed through each node's HTTP API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeProc } from './procs.ts';
import { freePort, launch, stopProcs, waitFor } from './procs.ts';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface HeroJson {
  id: string;
  name: string;
  location: string;
  node: string;
  health: number;
  fightsWon: number;
  fightsLost: number;
}

export interface DispatchCluster {
  procs: NodeProc[];
  dataDir: string;
  byName(name: string): NodeProc;
  stop(): Promise<void>;
}

export async function startDispatchCluster(
  names: string[],
  store: 'raft' | 'crdt',
): Promise<DispatchCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dispatch-mp-'));
  const ports = await Promise.all(names.map(() => freePort()));
  const webPorts = await Promise.all(names.map(() => freePort()));
  const seeds = names.map((n, i) => `${n}@127.0.0.1:${ports[i]}`).join(',');
  const procs = names.map((name, i) => {
    const args = [
      '--import',
      'tsx',
      MAIN,
      'node',
      '--name',
      name,
      '--port',
      String(ports[i]),
      '--web-port',
      String(webPorts[i]),
      '--seeds',
      seeds,
      '--cookie',
      'mp-dispatch',
      '--store',
      store,
      '--data-dir',
      join(dataDir, name),
      '--log-level',
      'warn',
    ];
    const proc: NodeProc = {
      name,
      port: ports[i] as number,
      webPort: webPorts[i] as number,
      args,
      child: undefined as never,
      output: '',
    };
    launch(proc);
    return proc;
  });
  await Promise.all(
    procs.map((p) =>
      waitFor(async () => (await api(p, 'GET', '/readyz')).status === 200, 60_000, `${p.name} ready`),
    ),
  );
  return {
    procs,
    dataDir,
    byName: (n) => procs.find((p) => p.name === n) as NodeProc,
    stop: async () => {
      await stopProcs(procs);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function api(
  proc: NodeProc,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  try {
    const res = await fetch(`http://127.0.0.1:${proc.webPort}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(8000),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  } catch (err) {
    return { status: 0, json: { error: String(err) } };
  }
}

export async function heroes(proc: NodeProc): Promise<HeroJson[]> {
  const r = await api(proc, 'GET', '/api/heroes');
  return r.status === 200 ? (r.json as { heroes: HeroJson[] }).heroes : [];
}
