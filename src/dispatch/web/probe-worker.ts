/**
 * The probe listener's thread: a bare `node:http` server for `/livez` and `/readyz`, started by
 * `startProbeServer` (`probe-server.ts`) as a `worker_threads` Worker, so that a probe waits for
 * neither the web port's accept queue nor the main event loop's turns.
 *
 * - `/livez`: the main thread's answer while its heartbeat (`probe-protocol.ts`) is at most
 *   `stallAfterMs` old, else 503 `event_loop_stalled`. Answered here, at once.
 * - `/readyz`: 503 `not_ready` at once while the heartbeat is stale; otherwise the main thread is
 *   asked (readiness is its state, read when asked) and its answer sent, or 503 `not_ready` when
 *   it has not answered within `readyTimeoutMs`.
 *
 * Lifecycle: posts `listening` (or `failed` with the listen error's code) once; on `close`, stops
 * listening, closes every socket and posts `closed`. Imports only Node built-ins and the other
 * `probe-*` modules (and `health-routes.ts` types): it loads in every node that serves probes, and
 * `routeProbe` comes from `probe-server.ts`, where the listener's contract is written.
 *
 * When not to use: start it with `startProbeServer`, never directly.
 */
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import type { ProbeAnswer } from './health-routes.ts';
import type { ProbeReply } from './probe-answers.ts';
import {
  livezAnswer,
  readyzStalledAnswer,
  readyzUnansweredAnswer,
  replyOfAnswer,
  isStalled,
} from './probe-answers.ts';
import { routeProbe } from './probe-server.ts';
import type { FromProbeWorker, ProbeWorkerData, ToProbeWorker } from './probe-protocol.ts';
import { Heartbeat } from './probe-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('probe-worker.ts runs as a worker thread (startProbeServer)');
const data = workerData as ProbeWorkerData;
const heartbeat = new Heartbeat(data.heartbeat);
const post = (msg: FromProbeWorker): void => port.postMessage(msg);

/** `/readyz` requests waiting for the main thread, by id. */
const waiting = new Map<number, { res: ServerResponse; timer: NodeJS.Timeout }>();
let nextId = 0;

function write(res: ServerResponse, reply: ProbeReply): void {
  res.writeHead(reply.status, reply.headers);
  res.end(reply.text);
}

function settle(id: number, answer: ProbeAnswer): void {
  const entry = waiting.get(id);
  if (entry === undefined) return; // answered already (timed out) or its socket closed
  waiting.delete(id);
  clearTimeout(entry.timer);
  write(entry.res, replyOfAnswer(answer));
}

const server = createServer(
  {
    requestTimeout: data.requestTimeoutMs,
    headersTimeout: data.requestTimeoutMs,
    keepAliveTimeout: 0,
    connectionsCheckingInterval: Math.max(100, Math.floor(data.requestTimeoutMs / 4)),
  },
  (req, res) => {
    const route = routeProbe(req.method, req.url);
    if ('refuse' in route) return write(res, route.refuse);
    const age = heartbeat.ageMs();
    if (route.probe === 'livez')
      return write(res, replyOfAnswer(livezAnswer(data.alive, data.node, age, data.stallAfterMs)));
    if (isStalled(age, data.stallAfterMs))
      return write(res, replyOfAnswer(readyzStalledAnswer(data.node, age)));
    const id = nextId++;
    const timer = setTimeout(
      () => settle(id, readyzUnansweredAnswer(data.node, data.readyTimeoutMs)),
      data.readyTimeoutMs,
    );
    waiting.set(id, { res, timer });
    res.once('close', () => {
      clearTimeout(timer);
      waiting.delete(id);
    });
    post({ type: 'readyz', id });
  },
);
server.maxConnections = data.maxConnections;

port.on('message', (msg: ToProbeWorker) => {
  if (msg.type === 'readyz') settle(msg.id, msg.answer);
  else if (msg.type === 'close') {
    server.close(() => post({ type: 'closed' }));
    server.closeAllConnections();
  }
});

// A listen error is the start's. After that an error of the server (an accept failing) is left
// unhandled: it ends this thread, and then the node (`startProbeServer` leaves it unhandled too),
// so a node that cannot serve its probes is restarted rather than left without them.
const failed = (err: NodeJS.ErrnoException): void =>
  post({ type: 'failed', code: err.code, message: err.message });
server.once('error', failed);
server.listen({ host: data.host, port: data.port }, () => {
  server.off('error', failed);
  const address = server.address();
  post({
    type: 'listening',
    port: typeof address === 'object' && address !== null ? address.port : data.port,
  });
});
