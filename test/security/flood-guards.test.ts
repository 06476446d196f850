// The pieces that keep a flooded node responsive: the refusal log (a count per code every
// interval, never a line per refusal, nothing lost) and the turn gate (costly work let through one
// piece per event-loop turn, with I/O polled between two pieces).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { RefusalLog } from '../../src/dispatch/web/refusal-log.ts';
import { TurnGate } from '../../src/dispatch/web/turn-gate.ts';

it('the refusal log reports the first refusal at once, then counts until the interval has passed', () => {
  const log = new RefusalLog({ intervalMs: 10_000 });
  assert.deepEqual(log.note('server_busy', 1_000), { counts: { server_busy: 1 }, ms: 0 });
  for (let i = 0; i < 4_000; i++) assert.equal(log.note('server_busy', 1_001 + i), undefined);
  assert.equal(log.note('rate_limited', 10_999), undefined);
  assert.deepEqual(log.note('server_busy', 11_000), {
    counts: { server_busy: 4_001, rate_limited: 1 },
    ms: 9_999,
  });
  assert.equal(log.flush(11_500), undefined, 'nothing left to report');
  log.note('too_many_streams', 12_000);
  assert.deepEqual(log.flush(12_500), { counts: { too_many_streams: 1 }, ms: 500 });
});

it('property: every refusal noted is in exactly one report, and reports are intervalMs apart', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 5_000 }),
      fc.array(
        fc.record({ code: fc.constantFrom('a', 'b', 'c'), dtMs: fc.integer({ min: 0, max: 3_000 }) }),
        {
          maxLength: 200,
        },
      ),
      (intervalMs, steps) => {
        const log = new RefusalLog({ intervalMs });
        const noted = new Map<string, number>();
        const reported = new Map<string, number>();
        const reportTimes: number[] = [];
        const add = (counts: Readonly<Record<string, number>>): void => {
          for (const [code, n] of Object.entries(counts)) reported.set(code, (reported.get(code) ?? 0) + n);
        };
        let now = 0;
        for (const { code, dtMs } of steps) {
          now += dtMs;
          noted.set(code, (noted.get(code) ?? 0) + 1);
          const report = log.note(code, now);
          if (report !== undefined) {
            add(report.counts);
            reportTimes.push(now);
          }
        }
        const last = log.flush(now);
        if (last !== undefined) add(last.counts);
        assert.deepEqual(reported, noted);
        for (let i = 1; i < reportTimes.length; i++)
          assert.ok(reportTimes[i]! - reportTimes[i - 1]! >= intervalMs);
      },
    ),
    { numRuns: 200 },
  );
});

it('the turn gate lets one waiter through per event-loop turn, in order', async () => {
  // A ticker counts the loop's turns (one immediate per turn); waiters let through in the same
  // turn would see the same count, with no poll for I/O between them.
  let turns = 0;
  let ticking = true;
  const tick = (): void => {
    turns++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const gate = new TurnGate();
  const seen: { name: string; turn: number }[] = [];
  const waiters = ['a', 'b', 'c', 'd'].map(async (name) => {
    await gate.turn();
    seen.push({ name, turn: turns });
  });
  assert.equal(gate.waiting, 4);
  await Promise.all(waiters);
  ticking = false;
  assert.deepEqual(
    seen.map((s) => s.name),
    ['a', 'b', 'c', 'd'],
  );
  for (let i = 1; i < seen.length; i++)
    assert.ok(seen[i]!.turn > seen[i - 1]!.turn, `turns ${JSON.stringify(seen)}`);
  assert.equal(gate.waiting, 0);
});
