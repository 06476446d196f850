/**
 * DynamicSupervisor: children started and stopped at run time, each restarted on its own (one for
 * one) according to its restart type, under the same restart intensity rule as `Supervisor`.
 *
 * ```ts
 * const heroes = await startDynamicSupervisor(system, { maxChildren: 10_000 });
 * const pid = await startChild(system, heroes, worker(heroId, hero, args, { restart: 'transient' }));
 * await terminateChild(system, heroes, pid);
 * ```
 *
 * Errors: `startChild` rejects with `BadSpecError` for an invalid spec, with the start error (e.g.
 * `InitFailedError`) when the child fails to start, and with `ActorError('bad_spec')` at `maxChildren`.
 */
import type { ChildSpec } from './child-spec.ts';
import { shouldRestart, shutdownOf, validateSpec } from './child-spec.ts';
import { BadSpecError, NoProcError, formatReason } from './errors.ts';
import type { Pid } from './pid.ts';
import { pidKey } from './pid.ts';
import type { Intensity } from './restart-intensity.ts';
import { defaultIntensity, recordRestart } from './restart-intensity.ts';
import { REACHED_MAX_INTENSITY } from './supervisor.ts';
import { shutdownChild } from './shutdown-child.ts';
import type { ActorSystem } from './system.ts';
import type { Behaviour, CallResult, SpawnOptions } from './types.ts';
import { isExit, isNormalExit } from './types.ts';

export interface DynamicSupervisorOptions {
  /** Default 3 restarts in 5 000 ms. */
  readonly intensity?: Intensity;
  /** Default unlimited. */
  readonly maxChildren?: number;
  readonly onRestart?: (childId: string, reason: unknown) => void;
}

type Msg =
  | { type: 'start_child'; spec: ChildSpec }
  | { type: 'terminate_child'; pid: Pid }
  | { type: 'which_children' }
  | { type: 'count_children' };

interface State {
  readonly system: ActorSystem;
  readonly options: DynamicSupervisorOptions;
  readonly children: Map<string, { pid: Pid; spec: ChildSpec }>;
  restarts: number[];
}

function behaviour(system: ActorSystem): Behaviour<State, DynamicSupervisorOptions, Msg, unknown> {
  async function handle(msg: Msg, state: State, self: Pid): Promise<unknown> {
    switch (msg.type) {
      case 'start_child': {
        const max = state.options.maxChildren ?? Number.POSITIVE_INFINITY;
        if (state.children.size >= max) throw new BadSpecError(`max_children (${max}) reached`);
        const pid = await msg.spec.start(system, self);
        state.children.set(pidKey(pid), { pid, spec: msg.spec });
        return pid;
      }
      case 'terminate_child': {
        const child = state.children.get(pidKey(msg.pid));
        if (!child) throw new NoProcError(pidKey(msg.pid));
        state.children.delete(pidKey(msg.pid));
        await shutdownChild(system, self, child.pid, shutdownOf(child.spec));
        return true;
      }
      case 'which_children':
        return [...state.children.values()].map((c) => ({ id: c.spec.id, pid: c.pid }));
      case 'count_children':
        return state.children.size;
    }
  }

  return {
    name: 'dynamic-supervisor',
    init(options, ctx) {
      ctx.trapExits(true);
      return { system, options, children: new Map(), restarts: [] };
    },
    async handleCall(msg, from, state, ctx): Promise<CallResult<State, unknown>> {
      // A failed start or an unknown child is the caller's error, never a crash of the supervisor.
      try {
        return { reply: await handle(msg, state, ctx.self), state };
      } catch (err) {
        ctx.replyError(from, err instanceof Error ? err : new Error(String(err)));
        return { noreply: true, state };
      }
    },
    async handleInfo(msg, state, ctx) {
      if (!isExit(msg)) return state;
      const key = pidKey(msg.from);
      const child = state.children.get(key);
      if (!child) return state;
      state.children.delete(key);
      if (!shouldRestart(child.spec.restart ?? 'permanent', isNormalExit(msg.reason))) return state;
      let reason: unknown = msg.reason;
      for (;;) {
        const intensity = state.options.intensity ?? defaultIntensity;
        const decision = recordRestart(state.restarts, system.scheduler.now(), intensity);
        state.restarts = decision.history;
        if (!decision.allowed) {
          ctx.log.error({ child: child.spec.id }, 'restart intensity exceeded; dynamic supervisor exits');
          ctx.stop(REACHED_MAX_INTENSITY);
          return state;
        }
        ctx.log.warn({ child: child.spec.id, reason: formatReason(reason) }, 'child exited; restarting');
        try {
          const pid = await child.spec.start(system, ctx.self);
          state.children.set(pidKey(pid), { pid, spec: child.spec });
          state.options.onRestart?.(child.spec.id, reason);
          return state;
        } catch (err) {
          reason = err;
        }
      }
    },
    async terminate(_reason, state, ctx) {
      const all = [...state.children.values()].reverse();
      state.children.clear();
      await Promise.all(all.map((c) => shutdownChild(system, ctx.self, c.pid, shutdownOf(c.spec))));
    },
  };
}

export function startDynamicSupervisor(
  system: ActorSystem,
  options: DynamicSupervisorOptions = {},
  spawnOptions: SpawnOptions = {},
): Promise<Pid> {
  return system.spawn(behaviour(system), options, spawnOptions);
}

export function dynamicSupervisor(id: string, options: DynamicSupervisorOptions = {}): ChildSpec {
  return {
    id,
    type: 'supervisor',
    start: (system, parent) => startDynamicSupervisor(system, options, { parent }),
  };
}

/** Start a child under `sup`; resolves with its pid. */
export function startChild(system: ActorSystem, sup: Pid, spec: ChildSpec): Promise<Pid> {
  try {
    validateSpec(spec);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return system.call<Pid>(sup, { type: 'start_child', spec });
}

/** Stop a child gracefully (within its shutdown time) and forget it; it is not restarted. */
export function terminateChild(system: ActorSystem, sup: Pid, pid: Pid): Promise<boolean> {
  return system.call<boolean>(sup, { type: 'terminate_child', pid }, Number.POSITIVE_INFINITY);
}

export function dynamicChildren(system: ActorSystem, sup: Pid): Promise<{ id: string; pid: Pid }[]> {
  return system.call(sup, { type: 'which_children' });
}

export function dynamicChildCount(system: ActorSystem, sup: Pid): Promise<number> {
  return system.call<number>(sup, { type: 'count_children' });
}
