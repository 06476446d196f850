/**
 * Type tests of typed actor references: checked by `tsc --noEmit -p .` (which `npm test` runs
 * first), never executed. Each `@ts-expect-error` line must fail to compile; if a change made it
 * compile, the directive itself becomes the error and the type check fails.
 */
import type {
  ActorRef,
  ActorSystem,
  NameResolver,
  Pid,
  TypedBehaviour,
  TypedPid,
} from '../../packages/runtime/src/actor/index.ts';
import { assumeProtocol, typedResolver } from '../../packages/runtime/src/actor/index.ts';
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import { counter } from './helpers.ts';
import type { CounterProtocol, EchoProtocol } from './typed-counter.ts';
import { COUNTER, typedCounter } from './typed-counter.ts';

/** True when `A` and `B` are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export async function callsAndReplies(system: ActorSystem): Promise<void> {
  const pid = await system.spawn(typedCounter, 0, { name: COUNTER });
  const _typedPid: Equal<typeof pid, TypedPid<CounterProtocol>> = true;
  const ref = system.ref(pid);
  const _refType: Equal<typeof ref, ActorRef<CounterProtocol>> = true;

  // The reply type is the one paired with the message.
  const _n: number = await ref.call({ type: 'get' });
  const _sum: number = await ref.call({ type: 'add', by: 2 }, 1000);
  const _label: string = await ref.call({ type: 'label' });
  const _replyIsExact: Equal<Awaited<ReturnType<typeof ref.call<{ type: 'label' }>>>, string> = true;
  // @ts-expect-error the reply to `get` is a number, not a string
  const _wrongReply: string = await ref.call({ type: 'get' });
  // @ts-expect-error `label` answers a string: no arithmetic on it
  const _wrongUse: number = (await ref.call({ type: 'label' })) * 2;

  // A message the protocol does not have, or a malformed one, does not compile.
  // @ts-expect-error not a call of the protocol
  await ref.call({ type: 'reset' });
  // @ts-expect-error `add` needs `by`
  await ref.call({ type: 'add' });
  // @ts-expect-error `by` is a number
  await ref.call({ type: 'add', by: '2' });
  // @ts-expect-error a call is not a cast
  ref.cast({ type: 'get' });
  // @ts-expect-error a cast is not an info
  ref.send({ type: 'inc', by: 1 });
  ref.cast({ type: 'inc', by: 1 });
  ref.send({ type: 'reset' });

  // A union of messages gets the union of their replies.
  const either = Math.random() < 0.5 ? ({ type: 'get' } as const) : ({ type: 'label' } as const);
  const _union: number | string = await ref.call(either);
  // @ts-expect-error the reply may be a string
  const _notOnlyNumber: number = await ref.call(either);
}

export async function everyAddress(
  system: ActorSystem,
  node: ClusterNode,
  registry: NameResolver,
): Promise<void> {
  // Local name, name on a node, global name, registry key: all typed by the same declaration.
  const _local: number = await system.ref(COUNTER).call({ type: 'get' });
  const remote = system.ref({ name: COUNTER, node: 'metropolis@127.0.0.1:4371' });
  const _remote: string = await remote.call({ type: 'label' });
  const _global: number = await node.system.ref({ global: COUNTER }).call({ type: 'add', by: 1 });
  const counters = typedResolver<CounterProtocol>(registry);
  const _via: number = await system.ref({ via: counters, key: 'c1' }).call({ type: 'get' });
  // @ts-expect-error not a call of the protocol, remotely either
  await remote.call({ type: 'echo', text: 'hi' });

  // Lookups keep the protocol.
  const found = system.whereis(COUNTER);
  if (found) {
    const _foundPid: Equal<typeof found, TypedPid<CounterProtocol>> = true;
  }
  const global = node.globals.whereis(COUNTER);
  if (global) await system.ref(global).call({ type: 'get' });
  const _plainLookup: Pid | undefined = system.whereis('some-name');
}

export async function untypedStaysMarked(
  system: ActorSystem,
  registry: NameResolver,
  somePid: Pid,
  dynamicName: string,
): Promise<void> {
  // @ts-expect-error a plain string carries no protocol: declare it with actorName
  system.ref('typed-counter');
  // @ts-expect-error a plain pid carries no protocol
  system.ref(somePid);
  // @ts-expect-error a registry carries no protocol until declared with typedResolver
  system.ref({ via: registry, key: 'c1' });
  // The marked escape hatch, for destinations only known at run time.
  const _assumed: number = await system
    .ref(assumeProtocol<CounterProtocol>(dynamicName))
    .call({ type: 'get' });
  // The untyped layer still takes anything, as before.
  const _untyped = await system.call<unknown>(somePid, { anything: true });

  // A behaviour without a protocol spawns a plain pid.
  const _legacy = await system.spawn(counter, 0);
  const _legacyPid: Equal<typeof _legacy, Pid> = true;
}

export function protocolsDoNotMix(system: ActorSystem, counterPid: TypedPid<CounterProtocol>): void {
  // @ts-expect-error a counter is not an echo actor
  const _echo: ActorRef<EchoProtocol> = system.ref(counterPid);
  // @ts-expect-error nor is its pid
  const _echoPid: TypedPid<EchoProtocol> = counterPid;
  // A typed pid is still a pid (links, monitors, the wire).
  const _pid: Pid = counterPid;
}

export const handlersAreTyped: TypedBehaviour<CounterProtocol, number, number> = {
  init: (start) => start,
  // @ts-expect-error a cast handler gets the casts only: `get` is a call
  handleCast: (msg, n) => (msg.type === 'get' ? n : n + msg.by),
};
