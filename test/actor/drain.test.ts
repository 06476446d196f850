// How an actor's mailbox drain shares the event loop: it keeps pace with messages arriving from
// I/O (so a burst does not pile up in the mailbox), and actors messaging each other without end
// cannot keep timers and I/O from running.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActorSystem } from '../../packages/runtime/src/actor/index.ts';
import type { Behaviour, Pid } from '../../packages/runtime/src/actor/index.ts';

test('messages from several I/O callbacks per turn are handled as they arrive, not left queued', async () => {
  const system = new ActorSystem();
  let handled = 0;
  const counter: Behaviour<undefined, void, unknown, unknown, unknown> = {
    init: () => undefined,
    handleCast: () => {
      handled++;
      return undefined;
    },
  };
  const pid = await system.spawn(counter, undefined);
  // Like a socket read several times in one poll phase: four callbacks per turn of the event
  // loop, 1,000 messages each (more than a drain's own budget), from outside any actor.
  let sent = 0;
  let worstBacklog = 0;
  for (let turn = 0; turn < 50; turn++) {
    await new Promise<void>((resolve) => {
      let left = 4;
      for (let i = 0; i < 4; i++)
        setImmediate(() => {
          for (let m = 0; m < 1000; m++) system.cast(pid, m);
          sent += 1000;
          if (--left === 0) resolve();
        });
    });
    worstBacklog = Math.max(worstBacklog, sent - handled);
  }
  for (let turn = 0; turn < 100 && handled < sent; turn++)
    await new Promise((resolve) => setImmediate(resolve));
  assert.equal(handled, sent);
  assert.ok(worstBacklog <= 2000, `up to ${worstBacklog} messages waited in the mailbox`);
  system.shutdownNow();
});

test('two actors casting to each other without pause still let timers and I/O run', async () => {
  const system = new ActorSystem();
  const rounds = 500_000;
  let exchanged = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const pingPong: Behaviour<Pid | undefined, void, unknown, unknown, unknown> = {
    init: () => undefined,
    handleCast: (msg, peer, ctx) => {
      const other = (msg as { peer?: Pid }).peer ?? peer;
      if (++exchanged === rounds) done();
      else if (other) system.cast(other, { peer: ctx.self });
      return other;
    },
  };
  const a = await system.spawn(pingPong, undefined);
  const b = await system.spawn(pingPong, undefined);
  const timerSaw = new Promise<number>((resolve) => setTimeout(() => resolve(exchanged), 1));
  system.cast(a, { peer: b });
  const atTimer = await timerSaw;
  await finished;
  assert.ok(atTimer < rounds, `a 1 ms timer waited for all ${rounds} messages of the exchange`);
  system.shutdownNow();
});
