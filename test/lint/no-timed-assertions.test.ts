// The local lint rule that keeps wall-clock timings out of assertions: what it reports (direct
// clock readings, variables and arrays derived from them, Math.max/min of those) and what it lets
// through (hang-guard bounds, printed timings, simulated clocks, comparisons of counts).
import { describe, it } from 'node:test';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import rule from '../../scripts/eslint-rules/no-timed-assertions.js';

RuleTester.describe = describe;
RuleTester.it = it;

const tester = new RuleTester({
  languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' },
});

const head = "import assert from 'node:assert/strict';\n";
const timed = (code: string, count = 1) => ({
  code: head + code,
  errors: Array.from({ length: count }, () => ({ messageId: 'timed' })),
});

tester.run('no-timed-assertions', rule, {
  valid: [
    // A bound given to a waiting helper is a hang guard, not an assertion.
    head + "await waitFor(() => done, 30_000, 'done');",
    // Timings printed, not asserted.
    head + 'const started = Date.now();\nawait work();\nt.diagnostic(`took ${Date.now() - started} ms`);',
    // Comparisons of counts and of a simulated clock.
    head + 'assert.ok(answers.length > 50);',
    head + 'const took = sim.runUntil(() => sim.converged(), 120_000);\nassert.ok(took >= 1000);',
    head + 'const now = clock.now();\nassert.ok(now - start < 10);',
    // A clock reading compared outside any assertion.
    head + 'const until = performance.now() + 100;\nwhile (performance.now() < until) spin();',
    // Equality with a clock value is not a duration bound.
    head + 'const at = Date.now();\nassert.equal(record.at, at);',
    // The variable is reassigned from a clock only beyond the followed depth.
    {
      code:
        head +
        'const a = Date.now();\nconst b = a;\nconst c = b;\nconst d = c;\nconst e = d;\nassert.ok(e < 5);',
      options: [{ depth: 3 }],
    },
    // A property named like a timed variable is not that variable.
    head + 'const fast = Date.now() < 5;\nassert.ok(result.fast);',
    // waitFor is only a duration source when configured so.
    head + 'const ms = await waitFor(() => ok);\nassert.ok(ms < 100);',
  ],
  invalid: [
    timed('const started = Date.now();\nawait stop();\nassert.ok(Date.now() - started < 500);'),
    timed('assert(performance.now() - t0 >= 55);'),
    timed('const t0 = process.hrtime.bigint();\nassert.ok(process.hrtime.bigint() - t0 < 10n);'),
    timed('const start = process.hrtime();\nconst d = process.hrtime(start);\nassert.ok(d[0] < 1);'),
    // Through variables, casts, await and methods.
    timed(
      'const started = performance.now();\nconst elapsed = performance.now() - started;\nassert.ok(elapsed < 600, `${elapsed.toFixed(0)} ms`);',
    ),
    timed('let ms = 0;\nms = Date.now() - begun;\nassert.equal(ms > 10, false);'),
    timed('const a = Date.now();\nconst b = a;\nconst c = b;\nassert.ok(Number(c) > 0);'),
    timed('const took = (Date.now() - s) as number;\nassert.ok(took! <= 100);'),
    // The comparison may be asserted through a variable, or inside a callback.
    timed('const fastMs = Date.now() - fast;\nconst quick = fastMs < 200;\nassert.ok(quick);'),
    timed('assert.ok(events.every((e) => e.at - Date.now() < 100));'),
    // Math.max/min of clock values and of arrays filled with them.
    timed(
      'const latencies: number[] = [];\nlatencies.push(performance.now() - stoppedAt);\nassert.ok(Math.max(...latencies) < 2000);',
    ),
    timed(
      'const cutAt = performance.now();\nconst latencies = nodes.flatMap((n) => n.downs.map((d) => d.at - cutAt));\nassert.ok(Math.max(...latencies) < 2000);\nassert.ok(Math.min(...latencies) > 800);',
      2,
    ),
    timed(
      'const latencies: number[] = [];\nfor (const c of cuts) {\n  const cutAt = performance.now();\n  latencies.push(...downs.map((d) => d.at - cutAt));\n}\nassert.ok(Math.max(...latencies) < 2000);',
    ),
    timed(
      'let worst = 0;\nworst = Math.max(worst, performance.now() - sentAt.get(p)!);\nassert.ok(worst < 2000);',
    ),
    timed('const sentAt = new Map();\nsentAt.set(1, performance.now());\nassert.ok(sentAt.get(1)! > 0);'),
    timed('const xs = [Date.now() - a, Date.now() - b];\nassert.ok(xs[0]! < 5);'),
    // Other assertion spellings.
    timed('t.assert.ok(Date.now() - s < 5);'),
    {
      code: "import { ok } from 'node:assert';\nok(Date.now() - s < 5);",
      errors: [{ messageId: 'timed' }],
    },
    // A configured duration call.
    {
      code: head + 'const ms = await waitFor(() => ok);\nassert.ok(ms < 100);',
      options: [{ durationCalls: ['waitFor'] }],
      errors: [{ messageId: 'timed' }],
    },
  ],
});
