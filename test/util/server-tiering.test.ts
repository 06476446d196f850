import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SERVER_INTERRUPT_BUDGET, serverV8Flags } from '../../packages/runtime/src/util/server-tiering.ts';

const MODULE = fileURLToPath(new URL('../../packages/runtime/src/cluster/v8-tuning.ts', import.meta.url));
const NODE_20_V8 = '11.3.244.8-node.33';
const NODE_24_V8 = '13.6.233.10-node.27';

test('on V8 11 a server gets the smaller interrupt budget unless its command line sets one', () => {
  const budget = [`--interrupt-budget=${SERVER_INTERRUPT_BUDGET}`];
  assert.deepEqual(serverV8Flags([], NODE_20_V8), budget);
  assert.deepEqual(serverV8Flags(['--import', 'tsx', '--max-old-space-size=512'], NODE_20_V8), budget);
  // A different flag that starts with the same words is not the budget.
  assert.deepEqual(serverV8Flags(['--interrupt-budget-for-feedback-allocation=940'], NODE_20_V8), budget);
  for (const given of [
    ['--interrupt-budget=1000'],
    ['--interrupt_budget=5'],
    ['--interrupt-budget', '100'],
  ]) {
    assert.deepEqual(serverV8Flags(given, NODE_20_V8), [], given.join(' '));
  }
});

test('on V8 12 and later, which have no interrupt budget flag, nothing is set', () => {
  assert.deepEqual(serverV8Flags([], NODE_24_V8), []);
  assert.deepEqual(serverV8Flags([], '12.4.254.21-node.33'), []);
  assert.deepEqual(serverV8Flags([], 'not a version'), []);
});

/**
 * Calls of a small function until V8 has optimized it, in a fresh process (optimization made
 * synchronous so that the count depends on the tiering flags alone).
 */
function callsUntilOptimized(dir: string, tune: boolean, nodeFlags: string[] = []): number {
  const script = join(dir, `count-${tune ? 'tuned' : 'plain'}-${nodeFlags.length}.ts`);
  writeFileSync(
    script,
    [
      `import { tuneV8ForServer } from ${JSON.stringify(MODULE)};`,
      tune ? 'tuneV8ForServer();' : '',
      'function f(a: number, b: number): number { let s = 0; for (let i = 0; i < 4; i++) s += a * i + b; return s; }',
      "const status = new Function('g', 'return %GetOptimizationStatus(g)') as (g: unknown) => number;",
      'let n = 0;',
      'while ((status(f) & 16) === 0 && n < 1_000_000) { f(n, 1); n++; }',
      'console.log(n);',
    ].join('\n'),
  );
  const out = execFileSync(
    process.execPath,
    ['--allow-natives-syntax', '--no-concurrent-recompilation', ...nodeFlags, '--import', 'tsx', script],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return Number(out.trim());
}

test('tuneV8ForServer has this V8 optimize hot code after fewer calls where it sets the budget, and leaves a budget given on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'server-tiering-'));
  try {
    const plain = callsUntilOptimized(dir, false);
    const tuned = callsUntilOptimized(dir, true);
    assert.ok(plain < 1_000_000, `never optimized without tuning (${plain} calls)`);
    if (serverV8Flags([], process.versions.v8).length === 0) {
      assert.equal(tuned, plain, `V8 ${process.versions.v8}: nothing should have changed`);
      return;
    }
    assert.ok(tuned < plain / 2, `optimized after ${tuned} calls tuned against ${plain} without`);
    const explicit = callsUntilOptimized(dir, true, ['--interrupt-budget=67584']);
    assert.equal(explicit, plain, 'the command line budget was overridden');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
