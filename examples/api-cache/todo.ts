/**
 * The cached record: a todo as jsonplaceholder serves it (`/todos/:id` → `{ userId, id, title,
 * completed }`), and what the cache returns: the same fields plus `wasCached`, as the original's
 * `was_cached` (false when the record came from the upstream API, true when it came from the cache).
 *
 * ```ts
 * const todo = parseTodo(await response.json()); // throws ZodError on a bad body
 * const hit: CachedTodo = { ...todo, wasCached: true };
 * ```
 *
 * Unlike the original, the flag is not stored: the cache keeps the upstream record as it came and
 * sets `wasCached` when it answers, so a read never turns into a write.
 */
import { z } from 'zod';

export const todoSchema = z.object({
  userId: z.number().int(),
  id: z.number().int().positive(),
  title: z.string(),
  completed: z.boolean(),
});

export type Todo = z.infer<typeof todoSchema>;

export interface CachedTodo extends Todo {
  readonly wasCached: boolean;
}

export function parseTodo(value: unknown): Todo {
  return todoSchema.parse(value);
}

/** jsonplaceholder serves todos 1..200. */
export const MAX_ID = 200;

/** Todo ids are integers from 1 to `MAX_ID`. */
export function isTodoId(id: unknown): id is number {
  return Number.isInteger(id) && (id as number) >= 1 && (id as number) <= MAX_ID;
}
