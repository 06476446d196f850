/**
 * An application: a root supervisor and what happens when it exits. A graceful `stop()` ends with
 * `'shutdown'`; a root that gave up (restart intensity exceeded below it) ends with its reason, and
 * `onExit` decides what the process does — the CLI exits non-zero, as an OTP node whose top
 * supervisor gives up.
 *
 * ```ts
 * const app = await startApplication(system, { children: [...] }, {
 *   onExit: (reason, normal) => process.exit(normal ? 0 : 1),
 * });
 * await app.stop();
 * ```
 */
import type { Pid } from './pid.ts';
import type { SupervisorOptions } from './supervisor.ts';
import { startSupervisor } from './supervisor.ts';
import type { ActorSystem } from './system.ts';
import type { Behaviour, ExitReason } from './types.ts';
import { isDown } from './types.ts';

export interface Application {
  readonly root: Pid;
  /** Resolves with the root's exit reason. */
  readonly exited: Promise<ExitReason>;
  /** Stop the tree gracefully (children in reverse start order). */
  stop(timeoutMs?: number): Promise<void>;
}

export interface ApplicationOptions {
  /** Registered name of the root supervisor. Default `root`. */
  readonly name?: string;
  /** Called once when the root exits; `normal` is false when it gave up or crashed. */
  readonly onExit?: (reason: ExitReason, normal: boolean) => void;
}

export async function startApplication(
  system: ActorSystem,
  options: SupervisorOptions,
  appOptions: ApplicationOptions = {},
): Promise<Application> {
  const root = await startSupervisor(system, options, { name: appOptions.name ?? 'root' });
  let stopping = false;
  let resolveExit!: (reason: ExitReason) => void;
  const exited = new Promise<ExitReason>((r) => (resolveExit = r));
  const watcher: Behaviour<null, void> = {
    name: 'application-watcher',
    init: (_: void, ctx) => {
      ctx.monitor(root);
      return null;
    },
    handleInfo: (msg, state, ctx) => {
      if (!isDown(msg)) return state;
      const normal = stopping && (msg.reason === 'shutdown' || msg.reason === 'normal');
      if (!normal) system.log.error({ reason: String(msg.reason) }, 'application root exited');
      appOptions.onExit?.(msg.reason, normal);
      resolveExit(msg.reason);
      ctx.stop();
      return state;
    },
  };
  await system.spawn(watcher, undefined);
  return {
    root,
    exited,
    async stop(timeoutMs = 30_000) {
      stopping = true;
      await system.stop(root, 'shutdown', timeoutMs);
      await exited;
    },
  };
}
