// One error base for every layer: each error class the project defines descends from CodedError,
// carries a code and its own name, and a cause when given one.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CodedError, isCoded } from '../../packages/runtime/src/util/errors.ts';
import { NoProcError } from '../../packages/runtime/src/actor/errors.ts';
import { StoreError } from '../../packages/runtime/src/store/types.ts';
import { PlacementError } from '../../packages/runtime/src/placement/errors.ts';
import { DispatchError, toDispatchError } from '../../src/dispatch/service.ts';
import { FrameTooLargeError } from '../../packages/runtime/src/wire/errors.ts';
import { InvalidRequestError } from '../../src/dispatch/web/errors.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('no error class in the runtime or the app extends Error directly, apart from the base', () => {
  const direct: string[] = [];
  const runtime = join('packages', 'runtime', 'src');
  for (const file of [...sources(runtime), ...sources('src')]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:export )?(?:abstract )?class (\w+)(?:<[^>]*>)? extends Error\b/gm)) {
      if (!(file === join(runtime, 'util', 'errors.ts') && m[1] === 'CodedError'))
        direct.push(`${file}: ${m[1]}`);
    }
  }
  // Two private control-flow exceptions never leave their module.
  const allowed = [
    'packages/runtime/src/raft/tables/validate.ts: Invalid',
    'packages/runtime/src/raft/driver/wire.ts: Bad',
  ];
  assert.deepEqual(
    direct.filter((d) => !allowed.includes(d)),
    [],
  );
});

test('each layer raises CodedErrors with a code, its own name and the cause', () => {
  const cause = new Error('underneath');
  const errors = [
    new NoProcError('hero-1'),
    new StoreError('no_quorum', 'no quorum', { cause }),
    new PlacementError('stale_epoch', 'fenced'),
    new DispatchError('dead_hero', 'dead'),
    new FrameTooLargeError(10, 5),
    new InvalidRequestError('bad'),
  ];
  for (const err of errors) {
    assert.ok(err instanceof CodedError && isCoded(err), err.name);
    assert.match(err.code, /^[a-zA-Z_]+$/, err.name);
    assert.equal(err.name, err.constructor.name, 'named after its class');
  }
  assert.equal(errors[0]!.name, 'NoProcError');
  assert.equal(errors[1]!.cause, cause);
  assert.equal(isCoded(new Error('foreign')), false);
});

test('the API maps lower layers by their codes, and foreign errors to unavailable', () => {
  assert.equal(toDispatchError(new StoreError('no_quorum', 'x')).code, 'no_quorum');
  assert.equal(toDispatchError(new StoreError('timeout', 'x')).code, 'timeout');
  assert.equal(toDispatchError(new NoProcError('hero-1')).code, 'unavailable');
  assert.equal(toDispatchError(new PlacementError('not_found', 'x')).code, 'not_found');
  // A plain object that merely has a code is not one of ours.
  assert.equal(toDispatchError(Object.assign(new Error('x'), { code: 'not_found' })).code, 'unavailable');
});
