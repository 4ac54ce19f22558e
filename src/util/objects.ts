/**
 * The one test of a JSON object (as opposed to null, an array or a primitive).
 *
 * @module
 */

/** Whether `value` is a non-null object that is not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
