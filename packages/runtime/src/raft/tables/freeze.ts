/**
 * Deep freezing of values the table machine hands out, so a caller that mutates a returned value
 * gets a TypeError (strict mode) instead of silently changing one replica's state.
 *
 * ```ts
 * const v = deepFreeze({ a: [1, 2] });
 * v.a.push(3); // TypeError
 * ```
 *
 * Byte arrays cannot be frozen and are left as they are; dates keep their mutable internal time.
 * Treat every value from the machine as read-only regardless.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || ArrayBuffer.isView(value)) {
    return value;
  }
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
