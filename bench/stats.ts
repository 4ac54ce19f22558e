/**
 * Percentiles and the result table of the benchmark.
 *
 * @module
 */

/** Percentiles of a sample, in ms. */
export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

/** The `p`-th percentile (0-100) of `values` (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** p50/p95/p99 and mean of `values`. */
export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    mean: values.reduce((a, b) => a + b, 0) / Math.max(1, values.length),
  };
}

/** Rounds to 0.1. */
export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** The median and range of one figure over the runs of a benchmark. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Median (the mean of the two middle values for an even count), min and max of `values`. */
export function spread(values: readonly number[]): Spread {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: 0 };
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2
    ? sorted[mid] as number
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return {
    median,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    runs: sorted.length,
  };
}

/** One row of the printed table. */
export interface Row {
  figure: string;
  /** Median and range, formatted. */
  measured: string;
  floor?: string;
  target?: string;
  /** Whether the median meets the target (undefined: no target). */
  ok?: boolean;
}

/** Renders rows as the Markdown table of the README's "Performance" section. */
export function renderTable(rows: Row[]): string {
  const header = ["Figure", "Median (min–max)", "Floor", "Target", "Met"];
  const body = rows.map((r) => [
    r.figure,
    r.measured,
    r.floor ?? "",
    r.target ?? "",
    r.ok === undefined ? "" : r.ok ? "ok" : "missed",
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0))
  );
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)]
    .join("\n");
}
