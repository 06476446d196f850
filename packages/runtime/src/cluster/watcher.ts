/**
 * Runs a callback when a local actor exits, for services that are not actors themselves (global
 * names, pub/sub). One monitoring actor per node.
 */
import type { ActorSystem, Behaviour, Pid, Ref } from '../actor/index.ts';
import { isDown, pidKey } from '../actor/index.ts';

export type Watch = (pid: Pid, onExit: () => void) => void;

export async function startWatcher(system: ActorSystem): Promise<Watch> {
  const callbacks = new Map<string, (() => void)[]>();
  const behaviour: Behaviour<null, void> = {
    name: 'exit-watcher',
    init: () => null,
    handleInfo(msg, state) {
      if (!isDown(msg)) return state;
      const key = pidKey(msg.ref);
      const list = callbacks.get(key);
      callbacks.delete(key);
      for (const fn of list ?? []) fn();
      return state;
    },
  };
  const self = await system.spawn(behaviour, undefined, { name: 'exit_watcher' });
  return (pid, onExit) => {
    const ref: Ref = system.monitor(self, pid);
    const key = pidKey(ref);
    callbacks.set(key, [...(callbacks.get(key) ?? []), onExit]);
  };
}
