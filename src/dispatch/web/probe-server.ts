/**
 * The probe listener: `/livez` and `/readyz` on a port of their own (`--probe-port`), served by a
 * bare `node:http` server in a worker thread (`probe-worker.ts`), for Kubernetes' kubelet and load
 * balancers.
 *
 * ```ts
 * const probes = await startProbeServer(service, { host: '0.0.0.0', port: 4800 });
 * // kubelet: httpGet { path: /livez, port: 4800 }
 * await probes.close();
 * ```
 *
 * Why a port apart from the page and API: a flood of connections to the web port fills that
 * port's accept queue, and a probe's connection waiting behind it (or dropped and retried by TCP a
 * second later) fails its probe although the node is well, and the node is restarted for nothing.
 *
 * Why a thread: under a flood, one turn of the main event loop can take a few hundred ms, and a
 * probe served on that loop waits for it. The worker answers `/livez` at once, from a heartbeat
 * the main thread stamps every `HEARTBEAT_MS` from a timer (`probe-protocol.ts`): while the stamp
 * is at most `stallAfterMs` old the answer is the web port's (`probeAnswer` in
 * `health-routes.ts`), else 503 `event_loop_stalled`, so a node whose loop is wedged does not look
 * alive. `/readyz` is the main thread's state, so the worker asks the main thread for
 * `probeAnswer(service, 'readyz')` per request (the answer of that moment, as on the web port) and
 * answers 503 `not_ready` without asking while the heartbeat is stale, or when no answer came
 * within `readyTimeoutMs`. Both are open to anyone: they tell a node's name and whether it is
 * ready, nothing more.
 *
 * Limits: at most `maxConnections` sockets (more are destroyed on arrival by Node), a request
 * must arrive whole within `requestTimeoutMs`, no keep-alive (a probe opens a connection per
 * check). Any other path is 404, any other method 405, in the `{"error":{code,message}}` shape.
 *
 * Lifecycle: `startProbeServer` resolves once the worker listens, or rejects with
 * `ProbeListenError` (the listen error's `code`, e.g. `EADDRINUSE`) after the worker has ended;
 * `close()` stops the heartbeat, closes the listener and its sockets and ends the worker. The
 * worker loads from `probe-worker.js` next to this file when it runs compiled, and from
 * `probe-worker.ts` through tsx when it runs from source.
 *
 * When not to use: for metrics or state, use the web port (`/metrics`, `/api/cluster`).
 */
import { CodedError } from '@superhero-dispatch/runtime';
import { every } from '@superhero-dispatch/runtime/cluster';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ProbeName, ProbeSubject } from './health-routes.ts';
import { probeAnswer } from './health-routes.ts';
import type { ProbeReply } from './probe-answers.ts';
import { replyOf } from './probe-answers.ts';
import type { FromProbeWorker, ProbeWorkerData, ToProbeWorker } from './probe-protocol.ts';
import { Heartbeat } from './probe-protocol.ts';

export interface ProbeServerOptions {
  /** Interface to bind. The web server's host is the usual choice. */
  readonly host: string;
  /** Port to bind; 0 picks a free one. */
  readonly port: number;
  /** Most open sockets. Default 64: kubelet opens one per probe, a few at a time. */
  readonly maxConnections?: number;
  /** Time to receive a whole request, ms. Default 5,000: a probe's request is one line and a header. */
  readonly requestTimeoutMs?: number;
  /**
   * Age of the main thread's heartbeat past which `/livez` answers 503 `event_loop_stalled`, ms.
   * Default 10,000: some 40 times the longest turn measured under a 5,000-stream flood (about
   * 250 ms) and above a major GC, so a busy node is not restarted, while a wedged one fails
   * every liveness probe from 10 s after it stalled (kubelet restarts it after its failure
   * threshold: 3 probes, 10 s apart, by default).
   */
  readonly stallAfterMs?: number;
  /**
   * Longest a `/readyz` waits for the main thread's answer, ms; then 503 `not_ready`. Default
   * 5,000, as `requestTimeoutMs`: above kubelet's default probe timeout (1 s), so kubelet's own
   * timeout decides, as when the listener ran on the main loop; the limit only keeps a request
   * from waiting on a wedged loop for ever.
   */
  readonly readyTimeoutMs?: number;
}

export interface ProbeServer {
  /** The port bound (useful when `port` was 0). */
  readonly port: number;
  /** Stops the heartbeat, listening and every socket, and ends the worker; resolves when done. */
  close(): Promise<void>;
}

/** What a request asks of the probe listener: a probe, or a refusal ready to send. */
export type ProbeRoute = { readonly probe: ProbeName } | { readonly refuse: ProbeReply };

/**
 * The listener's routes, a pure function the worker thread calls per request: `/livez` and
 * `/readyz` by GET or HEAD; any other path 404, any other method 405 with `Allow`.
 */
export function routeProbe(method: string | undefined, url: string | undefined): ProbeRoute {
  const path = (url ?? '/').split('?')[0] ?? '/';
  const probe: ProbeName | undefined =
    path === '/livez' ? 'livez' : path === '/readyz' ? 'readyz' : undefined;
  if (probe === undefined) {
    return {
      refuse: replyOf(404, {
        error: { code: 'not_found', message: 'this port serves /livez and /readyz only' },
      }),
    };
  }
  if (method !== 'GET' && method !== 'HEAD') {
    return {
      refuse: replyOf(
        405,
        { error: { code: 'method_not_allowed', message: `${probe} answers GET` } },
        { allow: 'GET, HEAD' },
      ),
    };
  }
  return { probe };
}

/** Interval of the main thread's heartbeat, ms: a timer's cost, far below any `stallAfterMs`. */
export const HEARTBEAT_MS = 100;

/** The probe listener could not listen (`code` is the listen error's, e.g. `EADDRINUSE`). */
export class ProbeListenError extends CodedError {
  constructor(code: string | undefined, message: string, options?: { cause?: unknown }) {
    super(code ?? 'probe_listen_failed', message, options);
  }
}

/**
 * The worker thread: `probe-worker.js` beside this file when compiled; from source, a bootstrap
 * that registers tsx in the worker first (Node 20 does not carry a loader registered with
 * `register()`, as `bin/superhero.js` does, into workers, nor run `.ts` by itself).
 */
function spawnWorker(workerData: ProbeWorkerData): Worker {
  const ext = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./probe-worker${ext}`, import.meta.url);
  if (ext !== '.ts') return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap =
    `import(${JSON.stringify(tsx)})` +
    `.then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/**
 * Resolves with the worker's port once it listens; rejects with `ProbeListenError` when it fails
 * or ends first. Its listeners go once settled: an uncaught error in the worker after that is a
 * bug, left unhandled so that it ends the process as it would have on the main thread.
 */
function listening(worker: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (msg: FromProbeWorker): void => {
      if (msg.type !== 'listening' && msg.type !== 'failed') return;
      settle();
      if (msg.type === 'listening') resolve(msg.port);
      else reject(new ProbeListenError(msg.code, msg.message));
    };
    const onError = (err: Error): void => {
      settle();
      reject(
        new ProbeListenError(undefined, `the probe listener's thread failed: ${err.message}`, { cause: err }),
      );
    };
    const onExit = (code: number): void => {
      settle();
      reject(new ProbeListenError(undefined, `the probe listener's thread ended (${code}) before listening`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

export async function startProbeServer(
  service: ProbeSubject,
  options: ProbeServerOptions,
): Promise<ProbeServer> {
  const heartbeat = new Heartbeat();
  // The listener keeps the process up, as a server does; the heartbeat need not (`every` is unref'd).
  const timer = every(HEARTBEAT_MS, () => heartbeat.beat());
  const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
  const worker = spawnWorker({
    host: options.host,
    port: options.port,
    maxConnections: options.maxConnections ?? 64,
    requestTimeoutMs,
    stallAfterMs: options.stallAfterMs ?? 10_000,
    readyTimeoutMs: options.readyTimeoutMs ?? requestTimeoutMs,
    node: service.nodeName,
    alive: probeAnswer(service, 'livez'),
    heartbeat: heartbeat.buffer,
  });
  const send = (msg: ToProbeWorker): void => worker.postMessage(msg);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let closed: (() => void) | undefined;
  worker.on('message', (msg: FromProbeWorker) => {
    if (msg.type === 'readyz') send({ type: 'readyz', id: msg.id, answer: probeAnswer(service, 'readyz') });
    else if (msg.type === 'closed') closed?.();
  });

  let port: number;
  try {
    port = await listening(worker);
  } catch (err) {
    timer.cancel();
    await worker.terminate();
    throw err;
  }
  return {
    port,
    async close() {
      timer.cancel();
      const done = new Promise<void>((resolve) => (closed = resolve));
      send({ type: 'close' });
      await Promise.race([done, exited]);
      await worker.terminate();
    },
  };
}
