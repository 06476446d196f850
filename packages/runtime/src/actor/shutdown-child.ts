/**
 * Stopping one child the way a supervisor does: an exit signal `shutdown` from the parent (which a
 * child spawned with `parent` handles as a graceful stop, running `terminate`), then `kill` once
 * the child's shutdown time has passed.
 */
import type { Shutdown } from './child-spec.ts';
import type { Pid } from './pid.ts';
import type { ActorSystem } from './system.ts';

export async function shutdownChild(
  system: ActorSystem,
  parent: Pid,
  child: Pid,
  shutdown: Shutdown,
): Promise<void> {
  const exited = system.waitExit(child);
  if (shutdown === 'brutal_kill') {
    system.exitSignal(child, parent, 'kill');
    await exited;
    return;
  }
  system.exitSignal(child, parent, 'shutdown');
  if (shutdown === 'infinity') {
    await exited;
    return;
  }
  let timer: unknown;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = system.scheduler.setTimeout(() => resolve('timeout'), shutdown);
  });
  const outcome = await Promise.race([exited.then(() => 'done' as const), timedOut]);
  system.scheduler.clearTimeout(timer);
  if (outcome === 'timeout') {
    system.log.warn({ child: child.id, shutdownMs: shutdown }, 'child did not stop in time; killing it');
    system.exitSignal(child, parent, 'kill');
    await exited;
  }
}
