/**
 * Child specifications: how a supervisor starts, restarts and stops a child.
 *
 * ```ts
 * const spec = worker('counter', counter, 0, { restart: 'permanent' });
 * ```
 */
import { BadSpecError } from './errors.ts';
import type { Pid } from './pid.ts';
import type { ActorSystem } from './system.ts';
import type { AnyBehaviour, SpawnOptions } from './types.ts';

/**
 * - `permanent`: always restarted (default);
 * - `transient`: restarted only after an abnormal exit (not `normal` / `shutdown`);
 * - `temporary`: never restarted.
 */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** ms to wait for a graceful stop before killing; `brutal_kill` kills at once; `infinity` waits. */
export type Shutdown = number | 'brutal_kill' | 'infinity';

export interface ChildSpec {
  /** Unique among the supervisor's children. */
  readonly id: string;
  /**
   * Start the child linked to `parent` and resolve with its pid. Use `spawn(..., { parent })` so
   * the child stops gracefully when its supervisor tells it to.
   */
  readonly start: (system: ActorSystem, parent: Pid) => Promise<Pid>;
  /** Default `permanent`. */
  readonly restart?: RestartType;
  /** Default 5 000 ms for workers, `infinity` for supervisors, as OTP. */
  readonly shutdown?: Shutdown;
  /** Default `worker`. */
  readonly type?: 'worker' | 'supervisor';
}

export function worker<A>(
  id: string,
  behaviour: AnyBehaviour,
  args: A,
  options: Omit<ChildSpec, 'id' | 'start'> & { readonly spawn?: Omit<SpawnOptions, 'parent' | 'link'> } = {},
): ChildSpec {
  const { spawn, ...rest } = options;
  return {
    id,
    start: (system, parent) => system.spawn(behaviour, args, { ...spawn, parent }),
    ...rest,
  };
}

export function shutdownOf(spec: ChildSpec): Shutdown {
  return spec.shutdown ?? (spec.type === 'supervisor' ? 'infinity' : 5000);
}

export function validateSpec(spec: ChildSpec): void {
  if (typeof spec !== 'object' || spec === null) throw new BadSpecError('child spec must be an object');
  if (typeof spec.id !== 'string' || spec.id === '')
    throw new BadSpecError('child spec needs a non-empty string id');
  if (typeof spec.start !== 'function') throw new BadSpecError(`child ${spec.id}: start must be a function`);
  if (spec.restart !== undefined && !['permanent', 'transient', 'temporary'].includes(spec.restart)) {
    throw new BadSpecError(`child ${spec.id}: restart must be permanent, transient or temporary`);
  }
  const sd = spec.shutdown;
  if (sd !== undefined && sd !== 'brutal_kill' && sd !== 'infinity' && !(typeof sd === 'number' && sd >= 0)) {
    throw new BadSpecError(`child ${spec.id}: shutdown must be a number of ms, brutal_kill or infinity`);
  }
}

/** Whether a child that exited with `reason` should be restarted. */
export function shouldRestart(restart: RestartType, normalExit: boolean): boolean {
  if (restart === 'permanent') return true;
  if (restart === 'transient') return !normalExit;
  return false;
}
