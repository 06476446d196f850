/**
 * The whole application under a nemesis (nemesis-run.ts), in both store modes. Checked:
 * - raft: the per-hero history is linearizable (nemesis-history.ts: existence and location, unknown
 *   outcomes for timeouts and resets, a hero's own death at any time);
 * - both: no acknowledged create lost, no acknowledged delete undone, every live hero running on
 *   exactly one node, all nodes agreeing at the end.
 *
 * In crdt mode a create acknowledged with `durability: "local"` (no peer held it yet: the write
 * concern's fallback) may be lost when that replica's disk is discarded by a destroyed city; such
 * losses are reported, not failed. Every other acknowledged create must be kept.
 *
 * Environment: `NEMESIS_SECONDS` (default 60, per mode), `NEMESIS_SEED` (default: random; printed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOperations } from '../../packages/runtime/src/testing/linearizability/index.ts';
import { deaths, endFacts, heroModel } from './nemesis-history.ts';
import { runNemesis } from './nemesis-run.ts';
import type { NemesisResult } from './nemesis-run.ts';

const SECONDS = Number(process.env.NEMESIS_SECONDS ?? 60);

for (const store of ['raft', 'crdt'] as const) {
  test(
    `${store} mode under a nemesis: acknowledged means kept, deleted means gone`,
    { timeout: (SECONDS + 420) * 1000 },
    async (t) => {
      const seed = Number(process.env.NEMESIS_SEED ?? Math.floor(Math.random() * 2 ** 31));
      const lines: string[] = [];
      const log = (line: string): void => void lines.push(line);
      try {
        const r = await runNemesis({ store, seconds: SECONDS, seed, log });
        const ops = r.history.length;
        const unknown = r.history.filter((op) => op.output === undefined).length;
        const facts = endFacts(r.history, r.finals);
        let verdict = 'not checked (AP mode)';
        if (store === 'raft') {
          const all = [...r.history, ...deaths(r.history, 10_000_000)];
          const result = checkOperations(heroModel, all, { timeoutMs: 300_000 });
          verdict = result.result;
          if (result.result === 'illegal' && result.partition !== undefined) {
            // The refused hero's whole history, in call order, for the regression test it becomes.
            const part = heroModel.partition!(all)[result.partition] ?? [];
            const at = (ms: number): string =>
              Number.isFinite(ms) ? ((ms - r.started) / 1000).toFixed(3) : '∞';
            for (const op of [...part].sort((a, b) => a.call - b.call))
              t.diagnostic(
                `${at(op.call)}–${at(op.return)} c${op.clientId} ${r.sentTo.get(op) ?? '-'} ${JSON.stringify(op.input)} -> ${JSON.stringify(op.output ?? 'unknown')}`,
              );
            for (const f of r.faultTimes) t.diagnostic(`${f.at.toFixed(3)} ${f.fault} ${f.node}`);
          }
          assert.notEqual(result.result, 'illegal', `not linearizable: ${JSON.stringify(result)}`);
        }
        const summary = [
          `seed ${seed}, ${SECONDS} s: ${ops} operations (${unknown} with unknown outcome), ${r.faults.length} faults`,
          `faults: ${summarise(r.faultTimes)}`,
          `answers: ${[...r.statuses]
            .sort()
            .map(([k, n]) => `${k}: ${n}`)
            .join(', ')}`,
          `linearizability: ${verdict}`,
          `lost acknowledged creates: ${facts.lostCreates.length}, undone deletes: ${facts.undoneDeletes.length}`,
          `end: ${r.views.map((v) => `${v.name} lists ${v.heroes.size}, hosts ${v.hosted}`).join('; ')}`,
        ];
        for (const s of summary) t.diagnostic(s);
        for (const id of facts.lostCreates) t.diagnostic(explainLost(id, r));
        for (const id of facts.undoneDeletes) for (const line of heroStory(id, r)) t.diagnostic(line);
        assert.deepEqual(facts.undoneDeletes, [], 'acknowledged deletes undone');
        const lostReplicated = facts.lostCreates.filter((id) => r.acked.get(id)?.local !== true);
        t.diagnostic(
          `creates acknowledged local-only: ${[...r.acked.values()].filter((a) => a.local).length}, lost: ${facts.lostCreates.length - lostReplicated.length}`,
        );
        assert.deepEqual(lostReplicated, [], 'acknowledged creates lost');
        const [first] = r.views;
        assert.ok(first, 'views read');
        const ids = [...first.heroes.keys()].sort().join();
        for (const v of r.views) assert.equal([...v.heroes.keys()].sort().join(), ids, `${v.name} agrees`);
        for (const [id, node] of first.heroes) assert.notEqual(node, '', `hero ${id} runs somewhere`);
        assert.equal(
          r.views.reduce((s, v) => s + v.hosted, 0),
          first.heroes.size,
          'every live hero runs exactly once',
        );
        assert.ok(r.faults.length > 0, 'the nemesis struck');
      } catch (err) {
        t.diagnostic(`nemesis seed ${seed} (NEMESIS_SEED=${seed} to repeat the choices)`);
        for (const line of lines.slice(-40)) t.diagnostic(line);
        throw err;
      }
    },
  );
}

function summarise(faults: NemesisResult['faultTimes']): string {
  const counts = new Map<string, number>();
  for (const f of faults) counts.set(f.fault, (counts.get(f.fault) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k}: ${n}`).join(', ');
}

/** A lost create, with the first fault that struck its node after the 201. */
/** One hero's operations in call order (times from the start, s; the node asked), and the end. */
function heroStory(id: string, r: NemesisResult): string[] {
  const at = (ms: number): string => (Number.isFinite(ms) ? ((ms - r.started) / 1000).toFixed(3) : '∞');
  const ops = r.history.filter((op) => op.input.id === id).sort((a, b) => a.call - b.call);
  return [
    `hero ${id}:`,
    ...ops.map(
      (op) =>
        `  ${at(op.call)}–${at(op.return)} c${op.clientId} ${r.sentTo.get(op) ?? '-'} ${op.input.op}${op.input.op === 'assign' ? ` ${op.input.location}` : ''} -> ${JSON.stringify(op.output ?? 'unknown')}`,
    ),
    `  at the end: ${(r.finals.get(id) ?? []).map((a, i) => `${r.views[i]?.name ?? i} ${a}`).join(', ')}`,
  ];
}

function explainLost(id: string, r: NemesisResult): string {
  const ack = r.acked.get(id);
  if (!ack) return `lost create ${id}: no acknowledgement recorded`;
  const next = r.faultTimes.find((f) => f.node === ack.node && f.at >= ack.at - 1);
  const after = next
    ? `${next.fault} of ${next.node} at ${next.at.toFixed(1)} s`
    : 'no fault on that node after it';
  return `lost create ${id}: 201 from ${ack.node} at ${ack.at.toFixed(1)} s; next: ${after}`;
}
