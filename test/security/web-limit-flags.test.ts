// The web limits from the command line: --rate-limit / --rate-burst, else $SUPERHERO_RATE_LIMIT /
// $SUPERHERO_RATE_BURST, else WEB_LIMITS' defaults; node's --probe-port; nonsense refused.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { nodeOptionsSchema } from '../../src/cli/config.ts';
import { securityInput } from '../../src/cli/security-options.ts';
import { WEB_LIMITS } from '../../src/dispatch/web/index.ts';

function parse(opts: Record<string, string | undefined>, env: NodeJS.ProcessEnv = {}) {
  return nodeOptionsSchema.safeParse({ name: 'gotham', ...opts, ...securityInput(opts, env) });
}

it('defaults, then the environment, then the flags', () => {
  const plain = parse({});
  assert.ok(plain.success);
  assert.equal(plain.data.rateLimit, WEB_LIMITS.writesPerSecond);
  assert.equal(plain.data.rateBurst, WEB_LIMITS.writeBurst);
  assert.equal(plain.data.probePort, undefined);

  const env = parse({}, { SUPERHERO_RATE_LIMIT: '5', SUPERHERO_RATE_BURST: '7' });
  assert.ok(env.success);
  assert.deepEqual([env.data.rateLimit, env.data.rateBurst], [5, 7]);

  const flags = parse(
    { rateLimit: '0', rateBurst: '3', probePort: '4800' },
    { SUPERHERO_RATE_LIMIT: '5', SUPERHERO_RATE_BURST: '7' },
  );
  assert.ok(flags.success);
  assert.deepEqual([flags.data.rateLimit, flags.data.rateBurst, flags.data.probePort], [0, 3, 4800]);
});

it('refuses a negative rate, a burst below 1 and a port out of range', () => {
  assert.equal(parse({ rateLimit: '-1' }).success, false);
  assert.equal(parse({ rateBurst: '0' }).success, false);
  assert.equal(parse({ rateLimit: 'fast' }).success, false);
  assert.equal(parse({ probePort: '70000' }).success, false);
});
