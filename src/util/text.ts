/**
 * Bounding text that comes from a request before it is logged, traced or echoed.
 *
 * @module
 */

/** `text` cut to at most `max` characters, ending in `…` when it was cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * The JSON-RPC methods of a request for a log line or span name: distinct names, each at most
 * 64 characters, at most `maxNames` of them, then how many more there were.
 */
export function summarizeMethods(methods: readonly string[], maxNames = 4): string {
  const distinct = [...new Set(methods.map((method) => clip(method, 64)))];
  const shown = distinct.slice(0, maxNames).join(",");
  return distinct.length > maxNames ? `${shown},+${distinct.length - maxNames} more` : shown;
}
