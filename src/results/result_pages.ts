/**
 * Reading a kept result in parts: byte pages of its JSON text, or the value at a path.
 *
 * @module
 */

/** One page of a text. */
export interface TextPage {
  text: string;
  /** Byte offset of the page in the whole text. */
  offset: number;
  /** Byte offset of the next page, or `null` at the end. */
  nextOffset: number | null;
  totalBytes: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Moves `offset` back to the start of a UTF-8 character. */
function charStart(bytes: Uint8Array, offset: number): number {
  let at = Math.min(offset, bytes.length);
  while (at > 0 && at < bytes.length && (bytes[at]! & 0xc0) === 0x80) at--;
  return at;
}

/** The page of `text` that starts at byte `offset` and holds at most `maxBytes` bytes. */
export function pageOf(text: string, offset: number, maxBytes: number): TextPage {
  const bytes = encoder.encode(text);
  const start = charStart(bytes, offset);
  let end = charStart(bytes, start + maxBytes);
  if (end <= start && start < bytes.length) end = Math.min(bytes.length, start + 4);
  return {
    text: decoder.decode(bytes.subarray(start, end)),
    offset: start,
    nextOffset: end < bytes.length ? end : null,
    totalBytes: bytes.length,
  };
}

/**
 * Splits a path into keys: a JSON Pointer (`/records/5/name`) or the dotted form
 * (`records.5.name`, `records[5].name`).
 */
export function parsePath(path: string): string[] {
  const trimmed = path.trim();
  if (trimmed === "" || trimmed === "/") return [];
  if (trimmed.startsWith("/")) {
    return trimmed.slice(1).split("/").map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
  }
  return trimmed.replace(/\[(\d+)\]/g, ".$1").split(".").filter((part) => part !== "");
}

/** The value at `path` in `value`, or an explanation of where the path leads nowhere. */
export function valueAt(
  value: unknown,
  path: string,
): { found: true; value: unknown } | { found: false; problem: string } {
  let current = value;
  const seen: string[] = [];
  for (const key of parsePath(path)) {
    if (Array.isArray(current) && /^\d+$/.test(key) && Number(key) < current.length) {
      current = current[Number(key)];
    } else if (
      typeof current === "object" && current !== null && !Array.isArray(current) &&
      Object.hasOwn(current, key)
    ) {
      current = (current as Record<string, unknown>)[key];
    } else {
      const where = seen.length === 0 ? "the result" : `/${seen.join("/")}`;
      const what = Array.isArray(current)
        ? `an array of ${current.length} items (indexes 0 to ${current.length - 1})`
        : typeof current === "object" && current !== null
        ? `an object with fields ${Object.keys(current).slice(0, 30).join(", ")}`
        : `a ${current === null ? "null" : typeof current}`;
      return { found: false, problem: `"${key}" is not in ${where}, which is ${what}` };
    }
    seen.push(key);
  }
  return { found: true, value: current };
}
