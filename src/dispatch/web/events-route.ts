/**
 * `GET /api/events`: the node's live events as server-sent events, in two formats.
 *
 * - `?format=json` (default), for programs: first `event: ready` (`{"node"}`, sent once the stream
 *   is subscribed, so anything after it is delivered), then one event per service event, named by
 *   its type (`hero`, `hero-deleted`, `cluster`, `log`) with the event as JSON data. A client that
 *   falls more than 1 MiB behind is disconnected and should reconnect and re-read `/api/heroes`.
 * - `?format=html`, for the page: `event: update` events whose data are htmx out-of-band fragments
 *   (`page-fragments.ts`), batched every `batchMs`. The first one replaces the whole table, nodes
 *   panel and log, so a page that reconnects (after a node restart, say) is whole again. The page's
 *   view comes as query parameters: `city` (a location), `status` (`fighting` / `resting`), `q` (a
 *   name search) and `page` (from 1); the stream sends only that window of the table (see
 *   `page-feed.ts`), and the page re-opens its stream to change it.
 *
 * Both send `retry: 1000` and a `:` heartbeat every `heartbeatMs`, and end when the server closes.
 *
 * Caps (`caps`): a client holding its share of streams gets 429 `too_many_streams`; with every
 * stream slot taken, 503 `server_busy`. A refused stream costs no subscription and no snapshot.
 *
 * ```ts
 * registerEventRoute(app, { service, recent, streams, metrics, batchMs: 100, heartbeatMs: 15_000, snapshotRetryMs: 3_000, caps });
 * ```
 *
 * When not to use: to read state once, use the JSON routes; these streams carry changes.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { DispatchEvent } from '../model.ts';
import type { DispatchService } from '../service.ts';
import type { ClientCaps } from './client-caps.ts';
import { CapacityError, TooManyError, toHttpFailure } from './errors.ts';
import type { HeroFilter } from './hero-window.ts';
import { PageFeed } from './page-feed.ts';
import { renderOps } from './page-fragments.ts';
import { citiesOf } from './hero-row.ts';
import type { RecentLog } from './recent-log.ts';
import type { TurnGate } from './turn-gate.ts';
import { SseStream } from './sse-stream.ts';
import { eventsQuery, parseInput } from './validation.ts';
import type { WebMetrics } from './web-metrics.ts';

export interface EventRouteDeps {
  readonly service: DispatchService;
  readonly recent: RecentLog;
  /** Open streams; the server closes them all before it stops. */
  readonly streams: Set<SseStream>;
  /** Open streams per client and in total. */
  readonly caps: ClientCaps;
  readonly metrics: WebMetrics;
  readonly batchMs: number;
  readonly heartbeatMs: number;
  readonly snapshotRetryMs: number;
  readonly bodyLimitBytes: number;
  /** Page snapshots render one per event-loop turn (`turn-gate.ts`), so a burst of new streams cannot stall the node. */
  readonly snapshotGate: TurnGate;
}

function openStream(
  deps: EventRouteDeps,
  raw: ConstructorParameters<typeof SseStream>[0],
  format: 'json' | 'html',
): SseStream {
  const stream = new SseStream(raw, { heartbeatMs: deps.heartbeatMs, retryMs: 1000 });
  deps.streams.add(stream);
  deps.metrics.streamOpened(format);
  stream.onClose(() => {
    deps.streams.delete(stream);
    deps.metrics.streamClosed(format);
  });
  return stream;
}

function serveJson(deps: EventRouteDeps, stream: SseStream): void {
  const unsubscribe = deps.service.subscribe((event: DispatchEvent) => {
    if (stream.backedUp) {
      stream.close();
      return;
    }
    stream.send(event.type, JSON.stringify(event));
  });
  stream.onClose(unsubscribe);
  stream.send('ready', JSON.stringify({ node: deps.service.nodeName }));
}

function servePage(deps: EventRouteDeps, stream: SseStream, log: FastifyBaseLogger, view: HeroFilter): void {
  const feed = new PageFeed({ view });
  let batchTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let waitingForDrain = false;

  const flush = (): void => {
    batchTimer = undefined;
    if (stream.closed || waitingForDrain) return;
    if (stream.backedUp) {
      // The feed keeps coalescing meanwhile, so a slow page costs memory per hero, not per event.
      waitingForDrain = true;
      void stream.drained().then(() => {
        waitingForDrain = false;
        schedule();
      });
      return;
    }
    const ops = feed.take(Date.now());
    if (ops.length > 0) stream.send('update', renderOps(ops, { cities: citiesOf(feed.cluster) }));
  };
  const schedule = (): void => {
    if (batchTimer !== undefined || stream.closed || !feed.hasPending) return;
    batchTimer = setTimeout(flush, deps.batchMs);
  };

  const loadSnapshot = async (): Promise<void> => {
    retryTimer = undefined;
    feed.beginSnapshot();
    try {
      const [heroes, cluster] = await Promise.all([
        deps.service.listHeroes(),
        deps.service.cluster().catch(() => undefined),
      ]);
      await deps.snapshotGate.turn();
      if (stream.closed) return;
      feed.snapshot(heroes, cluster, deps.recent.entries());
    } catch (err) {
      const failure = toHttpFailure(err, { bodyLimitBytes: deps.bodyLimitBytes });
      if (failure.internal) log.error({ err }, 'page snapshot failed');
      feed.snapshotFailed(failure.message);
      if (!stream.closed) retryTimer = setTimeout(() => void loadSnapshot(), deps.snapshotRetryMs);
    }
    flush();
  };

  const unsubscribe = deps.service.subscribe((event: DispatchEvent) => {
    feed.push(event);
    schedule();
  });
  stream.onClose(() => {
    unsubscribe();
    clearTimeout(batchTimer);
    clearTimeout(retryTimer);
  });
  void loadSnapshot();
}

export function registerEventRoute(app: FastifyInstance, deps: EventRouteDeps): void {
  // One instance of each refusal, thrown again and again: under a flood, capturing a fresh stack
  // trace per refused stream cost a tenth of the node's CPU time.
  const tooMany = new TooManyError('streams', deps.caps.perClient);
  const busy = new CapacityError(
    'server_busy',
    `this node serves ${deps.caps.total} event streams already; retry shortly`,
  );
  app.get('/api/events', async (request, reply) => {
    const { format, city, status, q, page } = parseInput(eventsQuery, request.query, 'query');
    const client = request.ip;
    const verdict = deps.caps.acquire(client);
    if (verdict === 'client') throw tooMany;
    if (verdict === 'total') throw busy;
    reply.hijack();
    const stream = openStream(deps, reply.raw, format);
    stream.onClose(() => deps.caps.release(client));
    if (format === 'json') serveJson(deps, stream);
    else servePage(deps, stream, request.log, { city, status, q, page });
  });
}
