/** A counter declared with a protocol, shared by the typed-reference tests. */
import type { TypedBehaviour } from '../../packages/runtime/src/actor/index.ts';
import { actorName } from '../../packages/runtime/src/actor/index.ts';

export type CounterProtocol = {
  calls:
    | [msg: { type: 'get' }, reply: number]
    | [msg: { type: 'add'; by: number }, reply: number]
    | [msg: { type: 'label' }, reply: string];
  casts: { type: 'inc'; by: number };
  infos: { type: 'reset' };
};

export const COUNTER = actorName<CounterProtocol>('typed-counter');

export const typedCounter: TypedBehaviour<CounterProtocol, number, number> = {
  name: 'typed-counter',
  init: (start) => start,
  handleCall(msg, _from, n) {
    switch (msg.type) {
      case 'get':
        return { reply: n, state: n };
      case 'add':
        return { reply: n + msg.by, state: n + msg.by };
      case 'label':
        return { reply: `counter at ${n}`, state: n };
    }
  },
  handleCast: (msg, n) => n + msg.by,
  handleInfo: (msg, n) => (msg.type === 'reset' ? 0 : n),
};

/** Another protocol, to show that references of two protocols do not mix. */
export type EchoProtocol = {
  calls: [msg: { type: 'echo'; text: string }, reply: string];
};
