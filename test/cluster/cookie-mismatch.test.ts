import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { CookieMismatchError, PeerTimeoutError } from '../../packages/runtime/src/cluster/errors.ts';
import { COOKIE, stopAll, waitFor } from './helpers.ts';

const WRONG_COOKIE = 'a-wrong-cluster-cookie';

/** A logger that keeps every line it is given (as written, and parsed). */
function capture(): { logger: pino.Logger; lines: string[]; records: Record<string, unknown>[] } {
  const lines: string[] = [];
  const records: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        lines.push(line);
        records.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines, records };
}

const namesCookieMismatch = (r: Record<string, unknown>): boolean =>
  r.code === 'ERR_HANDSHAKE_AUTH' && /wrong cookie/.test(String(r.msg));

test('a wrong cookie: both nodes log the refusal, and the dialler’s wait fails with cookie_mismatch', async () => {
  const listener = capture();
  const dialler = capture();
  const a = await startNode({ name: 'a', cookie: COOKIE, logger: listener.logger });
  const b = await startNode({ name: 'b', cookie: WRONG_COOKIE, seeds: [a.address], logger: dialler.logger });
  try {
    const failure = await b.waitForPeer(a.name, 10_000).then(
      () => assert.fail('the nodes connected with different cookies'),
      (err: unknown) => err,
    );
    assert.ok(failure instanceof CookieMismatchError, String(failure));
    assert.equal(failure.code, 'cookie_mismatch');
    assert.equal(failure.peer, a.name);
    assert.match(failure.message, /refused the handshake: its cluster cookie differs/);

    // Asked again later, the wait fails at once with the same answer instead of timing out.
    await assert.rejects(b.waitForPeer(a.name, 60_000), CookieMismatchError);

    await waitFor(() => listener.records.some(namesCookieMismatch), 10_000, 'the listener logs the refusal');
    assert.ok(dialler.records.some(namesCookieMismatch), 'the dialler logs the refusal');
    const onListener = listener.records.find(namesCookieMismatch)!;
    assert.equal(onListener.peer, b.name, 'the listener names who tried');
    for (const line of [...listener.lines, ...dialler.lines]) {
      assert.ok(!line.includes(COOKIE) && !line.includes(WRONG_COOKIE), `no cookie in: ${line}`);
    }
    assert.equal(a.nodes().length, 0);
    assert.equal(b.nodes().length, 0);
  } finally {
    await stopAll([a, b]);
  }
});

test('a peer that never answers ends the wait with peer_timeout', async () => {
  const a = await startNode({ name: 'a', cookie: COOKIE, logger: pino({ level: 'silent' }) });
  try {
    await assert.rejects(a.waitForPeer('nobody@127.0.0.1:9', 200), (err: unknown) => {
      assert.ok(err instanceof PeerTimeoutError);
      assert.equal(err.code, 'peer_timeout');
      return true;
    });
  } finally {
    await a.stop();
  }
});
