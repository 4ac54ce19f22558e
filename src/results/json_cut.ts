/**
 * Cuts a JSON value to a byte budget at JSON boundaries: whole array items and whole fields
 * are kept or dropped, a field too large to keep whole is cut inside, and a long string is
 * shortened. The cut value is still valid JSON, and the cut says what was left out.
 *
 * @module
 */

/** One place where something was left out. */
export interface Cut {
  /** JSON Pointer of the value that was cut (`""` = the root). */
  path: string;
  unit: "items" | "fields" | "characters";
  kept: number;
  total: number;
  /** Fields left out entirely (for `fields`). */
  omitted?: string[];
}

/** A value cut to a budget. */
export interface CutValue {
  value: unknown;
  cuts: Cut[];
}

/** Bytes of `text` in UTF-8. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 2; // a surrogate pair: 4 bytes for 2 UTF-16 units
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** Bytes of the JSON text of `value`. */
export function jsonBytes(value: unknown): number {
  return utf8Length(JSON.stringify(value) ?? "null");
}

function pointer(path: string, key: string | number): string {
  return `${path}/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

/** A value below this many bytes of budget is not worth cutting into. */
const MIN_PART = 48;

function cutString(text: string, budget: number, path: string, cuts: Cut[]): string {
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (jsonBytes(text.slice(0, mid)) <= budget) low = mid;
    else high = mid - 1;
  }
  // Never end inside a surrogate pair.
  const code = text.charCodeAt(low - 1);
  if (code >= 0xd800 && code <= 0xdbff) low--;
  cuts.push({ path, unit: "characters", kept: low, total: text.length });
  return text.slice(0, low);
}

function cutArray(items: unknown[], budget: number, path: string, cuts: Cut[]): unknown[] {
  const kept: unknown[] = [];
  let used = 2;
  for (const item of items) {
    const size = jsonBytes(item) + (kept.length > 0 ? 1 : 0);
    if (used + size > budget) break;
    kept.push(item);
    used += size;
  }
  if (kept.length === 0 && items.length > 0 && budget - 2 >= MIN_PART) {
    // Not even one whole item fits: show the first one cut.
    kept.push(cutInto(items[0], budget - 2, pointer(path, 0), cuts));
  }
  cuts.push({ path, unit: "items", kept: kept.length, total: items.length });
  return kept;
}

function cutObject(
  record: Record<string, unknown>,
  budget: number,
  path: string,
  cuts: Cut[],
): Record<string, unknown> {
  const entries = Object.entries(record).map(([key, value], index) => ({
    key,
    value,
    index,
    size: jsonBytes(key) + 1 + jsonBytes(value),
  }));
  // Small fields first (ids, cursors, counts): they say most per byte.
  const bySize = [...entries].sort((a, b) => a.size - b.size || a.index - b.index);
  const chosen = new Map<string, unknown>();
  let used = 2;
  const rest: typeof entries = [];
  for (const entry of bySize) {
    const size = entry.size + (chosen.size > 0 ? 1 : 0);
    if (used + size <= budget) {
      chosen.set(entry.key, entry.value);
      used += size;
    } else rest.push(entry);
  }
  // The largest field left out is cut into what remains, when that is worth it.
  const biggest = rest[rest.length - 1];
  const cuttable = biggest !== undefined &&
    ((typeof biggest.value === "object" && biggest.value !== null) ||
      typeof biggest.value === "string");
  if (cuttable) {
    const room = budget - used - jsonBytes(biggest.key) - 1 - (chosen.size > 0 ? 1 : 0);
    if (room >= MIN_PART) {
      chosen.set(biggest.key, cutInto(biggest.value, room, pointer(path, biggest.key), cuts));
      rest.pop();
    }
  }
  const result: Record<string, unknown> = {};
  for (const entry of entries) {
    if (chosen.has(entry.key)) result[entry.key] = chosen.get(entry.key);
  }
  if (rest.length > 0) {
    cuts.push({
      path,
      unit: "fields",
      kept: chosen.size,
      total: entries.length,
      omitted: rest.sort((a, b) => a.index - b.index).map((entry) => entry.key),
    });
  }
  return result;
}

function cutInto(value: unknown, budget: number, path: string, cuts: Cut[]): unknown {
  if (jsonBytes(value) <= budget) return value;
  if (typeof value === "string") return cutString(value, budget, path, cuts);
  if (Array.isArray(value)) return cutArray(value, budget, path, cuts);
  if (typeof value === "object" && value !== null) {
    return cutObject(value as Record<string, unknown>, budget, path, cuts);
  }
  return value; // a number or boolean cannot be cut
}

/** `value` cut to fit `budget` bytes of JSON, or `undefined` when it fits already. */
export function cutJson(value: unknown, budget: number): CutValue | undefined {
  if (jsonBytes(value) <= budget) return undefined;
  const cuts: Cut[] = [];
  const cut = cutInto(value, budget, "", cuts);
  return { value: cut, cuts: cuts.reverse() };
}

/** One line per cut, e.g. `/records: 120 of 10000 items`. */
export function describeCuts(cuts: Cut[], max = 10): string[] {
  const lines = cuts.slice(0, max).map((cut) => {
    const where = cut.path === "" ? "the result" : cut.path;
    const omitted = cut.omitted ? ` (left out: ${cut.omitted.slice(0, 20).join(", ")})` : "";
    return `${where}: ${cut.kept} of ${cut.total} ${cut.unit} shown${omitted}`;
  });
  if (cuts.length > max) lines.push(`and ${cuts.length - max} more cuts`);
  return lines;
}
