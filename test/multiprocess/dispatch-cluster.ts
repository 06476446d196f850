/**
 * Runs a real dispatch cluster for the multi-process tests: one OS process per city node with the
 * given store mode, addressed through each node's HTTP API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeProc } from './procs.ts';
import { startProcs, stopProcs, waitFor } from './procs.ts';

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
  extra: readonly string[] = [],
): Promise<DispatchCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dispatch-mp-'));
  const procs = await startProcs(
    names,
    (name) => ['--store', store, '--data-dir', join(dataDir, name), ...extra],
    { namedSeeds: true },
  );
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
