/**
 * The `Idempotency-Key` header of POST and DELETE requests: a client-chosen key (1–128 printable
 * ASCII characters, e.g. a UUID) that makes a retry safe. A request retried with the same key is
 * applied at most once and answered as the first was; a create retried with it names the same hero.
 * The key is stored with the write in the hero's record (`../hero-record.ts`), kept for the record's
 * last 16 requests and, after a delete, as long as the tombstone.
 *
 * ```ts
 * const request = idempotencyOf(req.headers); // {} or { idempotencyKey: 'c0ffee…' }; 400 if malformed
 * await service.createHero(body, request);
 * ```
 */
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { WriteRequest } from '../service.ts';
import { InvalidRequestError } from './errors.ts';

const header = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, 'Idempotency-Key must be 1–128 printable ASCII characters without spaces')
  .optional();

/** The request's idempotency key, if any; throws `InvalidRequestError` (400) when malformed. */
export function idempotencyOf(h: IncomingHttpHeaders): WriteRequest {
  const result = header.safeParse(h['idempotency-key']);
  if (!result.success)
    throw new InvalidRequestError(`invalid header: ${result.error.issues[0]?.message ?? 'Idempotency-Key'}`, {
      cause: result.error,
    });
  return result.data === undefined ? {} : { idempotencyKey: result.data };
}
