import type { Behaviour, CallResult, ExitReason, Pid } from '../../packages/runtime/src/actor/index.ts';
import { ActorSystem } from '../../packages/runtime/src/actor/index.ts';
import { testLogger } from '../test-logger.ts';

export type CounterCall =
  { type: 'get' } | { type: 'inc_sync'; by: number } | { type: 'crash' } | { type: 'slow'; ms: number };
export type CounterCast = { type: 'inc'; by: number } | { type: 'crash' };

/** A counter actor used across the runtime's tests. */
export const counter: Behaviour<number, number, CounterCall, unknown, CounterCast, unknown> = {
  name: 'counter',
  init: (start) => start,
  handleCall(msg, _from, state): CallResult<number, unknown> | Promise<CallResult<number, unknown>> {
    switch (msg.type) {
      case 'get':
        return { reply: state, state };
      case 'inc_sync':
        return { reply: state + msg.by, state: state + msg.by };
      case 'crash':
        throw new Error('asked to crash');
      case 'slow':
        return new Promise((r) => setTimeout(() => r({ reply: state, state }), msg.ms));
    }
  },
  handleCast(msg, state) {
    if (msg.type === 'crash') throw new Error('cast crash');
    return state + msg.by;
  },
};

/** Records every info message it receives; `get` returns them. */
export const recorder: Behaviour<unknown[], { trap?: boolean } | void, { type: 'get' }, unknown[]> = {
  name: 'recorder',
  init: (args, ctx) => {
    if (args && args.trap) ctx.trapExits(true);
    return [];
  },
  handleCall: (_m, _f, state) => ({ reply: state, state }),
  handleInfo: (msg, state) => [...state, msg],
};

/** A system for the runtime's tests, which crash actors by the hundred on purpose (see `testLogger`). */
export function newSystem(): ActorSystem {
  return new ActorSystem({ node: 'test@local', logger: testLogger });
}

export async function until(pred: () => boolean | Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

export function exitsWith(system: ActorSystem, pid: Pid): Promise<ExitReason> {
  return new Promise((resolve) => {
    void system.spawn(
      {
        init: (_: void, ctx) => {
          ctx.monitor(pid);
          return null;
        },
        handleInfo: (msg: unknown, s: null, ctx) => {
          resolve((msg as { reason: ExitReason }).reason);
          ctx.stop();
          return s;
        },
      } as Behaviour<null, void>,
      undefined,
    );
  });
}
