// Shared setup for the web-layer tests: a server over a fresh in-memory service, closed after the test.
import type { TestContext } from 'node:test';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { createWebServer } from '../../src/dispatch/web/index.ts';
import type { WebServerOptions } from '../../src/dispatch/web/index.ts';
import { MemoryDispatchService } from './memory-service.ts';
import type { MemoryServiceOptions } from './memory-service.ts';

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export interface Setup {
  readonly service: MemoryDispatchService;
  readonly app: FastifyInstance;
}

export function setup(
  t: TestContext,
  options: WebServerOptions = {},
  serviceOptions: MemoryServiceOptions = {},
): Setup {
  const service = new MemoryDispatchService(serviceOptions);
  const app = createWebServer(service, options);
  t.after(() => app.close());
  return { service, app };
}

/** A pino logger whose JSON lines land in `lines`. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** Parses an error answer, asserting its shape. */
export function errorOf(body: string): { code: string; message: string } {
  const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
  const { error } = parsed;
  if (error === undefined || typeof error.code !== 'string' || typeof error.message !== 'string') {
    throw new Error(`not an error body: ${body}`);
  }
  return { code: error.code, message: error.message };
}

/** JSON headers for `inject`. */
export const JSON_HEADERS = { 'content-type': 'application/json' } as const;
