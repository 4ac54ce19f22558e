/**
 * Tool names: `{integrationKey}_{actionKey}`, limited to `^[A-Za-z0-9_-]{1,64}$` (what the
 * OpenAI and Anthropic APIs accept). Deterministic, so a tool keeps its name across sessions.
 *
 * @module
 */

/** The longest tool name clients accept. */
export const MAX_TOOL_NAME_LENGTH = 64;
/** The pattern every tool name matches. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A short, stable, non-cryptographic hash (FNV-1a, 32 bits) as 8 hex digits. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

function sanitize(part: string): string {
  return part.replace(/[^A-Za-z0-9_-]/g, "-");
}

/** The shortest name length a session may ask for (`?maxNameLength=`). */
export const MIN_TOOL_NAME_LENGTH = 32;

/**
 * Replaces characters clients refuse and shortens `name` to `maxLength` (64 by default),
 * ending in a hash of it.
 */
export function fitToolName(name: string, maxLength: number = MAX_TOOL_NAME_LENGTH): string {
  const clean = sanitize(name) || "tool";
  if (clean.length <= maxLength) return clean;
  const suffix = `_${shortHash(name)}`;
  return clean.slice(0, maxLength - suffix.length) + suffix;
}

/**
 * The tool name of an action on a connection. `connectionTag` distinguishes a second (third…)
 * connection of the same integration; the oldest connection has none.
 */
export function toolName(
  integrationKey: string,
  actionKey: string,
  connectionTag?: string,
): string {
  const app = connectionTag ? `${integrationKey}-${connectionTag}` : integrationKey;
  return fitToolName(`${app}_${actionKey}`);
}

/**
 * The loose form of a name used to match what agents type: lower case, `_` and `-` alike, so
 * `gmail-send-email`, `Gmail_Send-Email` and `gmail_send-email` are one name.
 */
export function looseToolName(name: string): string {
  return name.trim().toLowerCase().replace(/_/g, "-");
}
