/**
 * Validation of everything the HTTP API accepts, once, at the edge: path parameters and JSON bodies.
 * A request that fails here never reaches the service, so nothing is written.
 *
 * ```ts
 * const id = parseInput(heroIdParam, request.params, 'path'); // '0b7c…' or throws InvalidRequestError
 * const { location } = parseInput(assignBody, request.body, 'body');
 * ```
 *
 * Rules:
 * - `:id` is a UUID v4 (any case; normalised to lower case).
 * - `:city` is one of the city names or `random`; `:node` is a node name (letters, digits, `.`, `_`,
 *   `-`, at most 63).
 * - Bodies are JSON objects with no unknown fields; a missing body counts as `{}`.
 * - A hero name is trimmed and NFC-normalised, then must be 1–60 printable characters (code points):
 *   no control, separator-line, private-use, unassigned or bidirectional-override characters.
 *
 * When not to use: service-level rules (a dead hero, an unknown node) are the service's to report.
 */
import { z } from 'zod';
import { CITY_NAMES, NODE_NAME } from '../model.ts';
import type { Location } from '../model.ts';
import { InvalidRequestError } from './errors.ts';

/** Maximum hero name length in code points, after trimming. */
export const NAME_MAX_CHARS = 60;

/** The local demo's locations; any city node's name is accepted (the service checks it is up). */
export const LOCATIONS: readonly Location[] = ['home', ...CITY_NAMES];

// Control (Cc), surrogate (Cs), private use (Co), unassigned (Cn), line/paragraph separators, and the
// bidirectional overrides/isolates that can make a name render differently from what it is.
const NON_PRINTABLE = /[\p{Cc}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069\uFEFF]/u;

/** True when `name` (already trimmed) is 1–60 printable code points. */
export function isValidHeroName(name: string): boolean {
  const length = [...name].length;
  return length >= 1 && length <= NAME_MAX_CHARS && !NON_PRINTABLE.test(name);
}

const heroName = z
  .string()
  .max(1000, 'name is far too long')
  .transform((s) => s.trim().normalize('NFC'))
  .refine((s) => [...s].length >= 1, 'name must not be empty or only spaces')
  .refine((s) => [...s].length <= NAME_MAX_CHARS, `name must be at most ${NAME_MAX_CHARS} characters`)
  .refine((s) => !NON_PRINTABLE.test(s), 'name may contain only printable characters');

export const createHeroBody = z.strictObject({ name: heroName.optional() });

export const assignBody = z.strictObject({
  location: z.string({ error: () => 'location must be home or a city name' }).regex(NODE_NAME, {
    error: () => 'location must be home or a city name (lower-case letters, digits, - and _)',
  }),
});

/** Chaos and city commands take no fields; `{}` or no body at all. */
export const emptyBody = z.strictObject({});

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export const heroIdParams = z.object({
  id: z
    .string()
    .regex(uuidV4, 'hero id must be a UUID v4')
    .transform((s) => s.toLowerCase()),
});

export const cityParams = z.object({
  city: z.string({ error: () => 'city must be random or a city name' }).regex(NODE_NAME, {
    error: () => 'city must be random or a city name (lower-case letters, digits, - and _)',
  }),
});

export const nodeParams = z.object({
  node: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'node must be a node name such as gotham'),
});

/** The page stream's view: `city`, `status` and `q` empty or absent mean no filter; `page` from 1. */
export const eventsQuery = z.object({
  format: z.enum(['json', 'html'] as const, { error: () => 'format must be json or html' }).default('json'),
  city: z
    .union([z.literal(''), z.string().regex(NODE_NAME, 'city must be home or a city name')])
    .optional()
    .transform((s) => (s === '' ? undefined : s)),
  status: z
    .enum(['', 'fighting', 'resting'] as const, { error: () => 'status must be fighting or resting' })
    .optional()
    .transform((s) => (s === '' ? undefined : s)),
  q: z.string().max(64, 'q must be at most 64 characters').optional(),
  page: z.coerce.number().int('page must be a whole number').min(1).max(1_000_000).default(1),
});

/** Parses `input` or throws `InvalidRequestError` naming the part and the first problems. */
export function parseInput<T extends z.ZodType>(
  schema: T,
  input: unknown,
  part: 'path' | 'body' | 'query',
): z.output<T> {
  const value = part === 'body' && (input === undefined || input === null) ? {} : input;
  if (part === 'body' && (typeof value !== 'object' || Array.isArray(value))) {
    throw new InvalidRequestError('request body must be a JSON object');
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 3).map((issue) => {
    if (issue.code === 'unrecognized_keys')
      return `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    return issue.message;
  });
  throw new InvalidRequestError(`invalid ${part}: ${problems.join('; ')}`, { cause: result.error });
}
