/**
 * A bench worker process driven over IPC: the parent forks a script (run with tsx) and calls it
 * with `{ id, op, ...args }`; the worker answers `{ id, ... }` (with an `error` string, the call
 * rejects), says `{ ready: true }` once started, and may send other messages at any time, which
 * go to `onEvent`.
 *
 * Example:
 * ```ts
 * const w = forkWorker(script, ['gotham', '4370'], 'gotham', (m) => events.push(m));
 * await w.ready;
 * const { peers } = await w.call('peers');
 * ```
 */
import { fork, type ChildProcess } from 'node:child_process';

export interface IpcWorker {
  readonly child: ChildProcess;
  call(op: string, args?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Resolves once the worker said it is ready (rejects after 30 s). */
  readonly ready: Promise<void>;
}

/**
 * Forks `script` with `args` (the process runs from now on: kill it even if it never gets
 * ready). `usable()`: whether a call may still be sent (a call to a worker known dead rejects at
 * once).
 */
export function forkWorker(
  script: string,
  args: readonly string[],
  name: string,
  onEvent: (message: Record<string, unknown>) => void,
  usable: () => boolean = () => true,
): IpcWorker {
  const child = fork(script, [...args], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let ids = 0;
  const pending = new Map<number, (m: Record<string, unknown>) => void>();
  const call: IpcWorker['call'] = (op, callArgs = {}) =>
    new Promise((resolve, reject) => {
      if (!usable()) return reject(new Error(`${name} is dead`));
      const id = ++ids;
      pending.set(id, (m) => (typeof m['error'] === 'string' ? reject(new Error(m['error'])) : resolve(m)));
      child.send({ id, op, ...callArgs });
    });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start`)), 30_000);
    child.on('message', (m: Record<string, unknown>) => {
      if (m['ready'] === true) {
        clearTimeout(timer);
        resolve();
      } else if (typeof m['id'] === 'number' && pending.has(m['id'])) {
        const done = pending.get(m['id']);
        pending.delete(m['id']);
        done?.(m);
      } else {
        onEvent(m);
      }
    });
  });
  return { child, call, ready };
}
