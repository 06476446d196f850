/**
 * Supervisor: starts children in order, restarts them by strategy, and gives up — exiting itself —
 * when they crash more often than its restart intensity allows, so the failure moves up the tree.
 *
 * ```ts
 * const sup = await startSupervisor(system, {
 *   strategy: 'one_for_one',
 *   intensity: { maxRestarts: 3, periodMs: 5000 },
 *   children: [worker('city', city, 'gotham'), worker('patrol', patrol, undefined)],
 * });
 * ```
 *
 * Strategies: `one_for_one` restarts the crashed child; `one_for_all` stops the others (reverse
 * order) and restarts all (start order); `rest_for_one` does that for the crashed child and those
 * started after it. Shutdown stops children in reverse start order, each within its `shutdown` time.
 *
 * When not to use: for children added and removed at run time, use `DynamicSupervisor`.
 */
import type { ChildSpec } from './child-spec.ts';
import { shouldRestart, shutdownOf, validateSpec } from './child-spec.ts';
import { BadSpecError, formatReason } from './errors.ts';
import type { Pid } from './pid.ts';
import { samePid } from './pid.ts';
import type { Intensity } from './restart-intensity.ts';
import { defaultIntensity, recordRestart } from './restart-intensity.ts';
import { shutdownChild } from './shutdown-child.ts';
import type { ActorSystem } from './system.ts';
import type { ActorContext, Behaviour, CallResult, ExitReason, SpawnOptions } from './types.ts';
import { isExit, isNormalExit } from './types.ts';

export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

export interface SupervisorOptions {
  /** Default `one_for_one`. */
  readonly strategy?: Strategy;
  /** Default 3 restarts in 5 000 ms, as OTP. */
  readonly intensity?: Intensity;
  readonly children: readonly ChildSpec[];
  /** Called when restart intensity is exceeded, before the supervisor exits (for logs and metrics). */
  readonly onGiveUp?: (reason: ExitReason) => void;
  /** Called after each restart of a child (for metrics). */
  readonly onRestart?: (childId: string, reason: ExitReason) => void;
}

/** The exit reason of a supervisor that gave up. */
export const REACHED_MAX_INTENSITY = { shutdown: 'reached_max_restart_intensity' } as const;

interface Child {
  readonly spec: ChildSpec;
  pid: Pid | undefined;
}

interface State {
  readonly strategy: Strategy;
  readonly intensity: Intensity;
  readonly children: Child[];
  restarts: number[];
  readonly system: ActorSystem;
  readonly options: SupervisorOptions;
}

export type SupervisorCall = { type: 'which_children' } | { type: 'count_children' };
export interface ChildInfo {
  readonly id: string;
  readonly pid: Pid | undefined;
  readonly type: 'worker' | 'supervisor';
}

function supervisorBehaviour(
  system: ActorSystem,
): Behaviour<State, SupervisorOptions, SupervisorCall, unknown> {
  return {
    name: 'supervisor',
    async init(options, ctx) {
      ctx.trapExits(true);
      const ids = new Set<string>();
      for (const spec of options.children) {
        validateSpec(spec);
        if (ids.has(spec.id)) throw new BadSpecError(`duplicate child id ${spec.id}`);
        ids.add(spec.id);
      }
      const state: State = {
        strategy: options.strategy ?? 'one_for_one',
        intensity: options.intensity ?? defaultIntensity,
        children: options.children.map((spec) => ({ spec, pid: undefined })),
        restarts: [],
        system,
        options,
      };
      for (let i = 0; i < state.children.length; i++) {
        const child = state.children[i] as Child;
        try {
          child.pid = await child.spec.start(system, ctx.self);
        } catch (err) {
          await stopChildren(state, ctx.self, 0);
          throw err;
        }
      }
      return state;
    },
    handleCall(msg, _from, state): CallResult<State, unknown> {
      const infos: ChildInfo[] = state.children.map((c) => ({
        id: c.spec.id,
        pid: c.pid,
        type: c.spec.type ?? 'worker',
      }));
      if (msg.type === 'count_children') {
        return { reply: { specs: infos.length, active: infos.filter((c) => c.pid).length }, state };
      }
      return { reply: infos, state };
    },
    async handleInfo(msg, state, ctx) {
      if (!isExit(msg)) return state;
      const index = state.children.findIndex((c) => c.pid !== undefined && samePid(c.pid, msg.from));
      if (index < 0) return state;
      const child = state.children[index] as Child;
      child.pid = undefined;
      const restart = child.spec.restart ?? 'permanent';
      if (!shouldRestart(restart, isNormalExit(msg.reason))) {
        if (restart === 'temporary') state.children.splice(index, 1);
        return state;
      }
      ctx.log.warn({ child: child.spec.id, reason: formatReason(msg.reason) }, 'child exited; restarting');
      await restartFrom(state, ctx, index, msg.reason);
      return state;
    },
    async terminate(_reason, state, ctx) {
      await stopChildren(state, ctx.self, 0);
    },
  };
}

async function restartFrom(
  state: State,
  ctx: ActorContext,
  index: number,
  reason: ExitReason,
): Promise<void> {
  for (;;) {
    const decision = recordRestart(state.restarts, state.system.scheduler.now(), state.intensity);
    state.restarts = decision.history;
    if (!decision.allowed) {
      ctx.log.error(
        { maxRestarts: state.intensity.maxRestarts, periodMs: state.intensity.periodMs },
        'restart intensity exceeded; supervisor exits',
      );
      state.options.onGiveUp?.(reason);
      ctx.stop(REACHED_MAX_INTENSITY);
      return;
    }
    const first = state.strategy === 'one_for_one' ? index : state.strategy === 'one_for_all' ? 0 : index;
    const last = state.strategy === 'one_for_one' ? index : state.children.length - 1;
    if (state.strategy !== 'one_for_one') await stopChildren(state, ctx.self, first);
    try {
      for (let i = first; i <= last; i++) {
        const c = state.children[i] as Child;
        if (c.pid === undefined) c.pid = await c.spec.start(state.system, ctx.self);
      }
      state.options.onRestart?.((state.children[index] as Child).spec.id, reason);
      return;
    } catch (err) {
      ctx.log.error({ err }, 'child failed to restart');
      reason = err;
    }
  }
}

/** Stop running children from the last down to `first`, each within its shutdown time. */
async function stopChildren(state: State, self: Pid, first: number): Promise<void> {
  for (let i = state.children.length - 1; i >= first; i--) {
    const c = state.children[i] as Child;
    const pid = c.pid;
    if (pid === undefined) continue;
    c.pid = undefined;
    await shutdownChild(state.system, self, pid, shutdownOf(c.spec));
  }
}

export function startSupervisor(
  system: ActorSystem,
  options: SupervisorOptions,
  spawnOptions: SpawnOptions = {},
): Promise<Pid> {
  return system.spawn(supervisorBehaviour(system), options, spawnOptions);
}

/** A child spec for a nested supervisor. */
export function supervisor(
  id: string,
  options: SupervisorOptions,
  extra: Partial<ChildSpec> = {},
): ChildSpec {
  return {
    id,
    type: 'supervisor',
    start: (system, parent) => startSupervisor(system, options, { parent }),
    ...extra,
  };
}

export function whichChildren(system: ActorSystem, sup: Pid): Promise<ChildInfo[]> {
  return system.call<ChildInfo[]>(sup, { type: 'which_children' });
}

export function countChildren(system: ActorSystem, sup: Pid): Promise<{ specs: number; active: number }> {
  return system.call(sup, { type: 'count_children' });
}
