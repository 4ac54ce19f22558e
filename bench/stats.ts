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

/** One row of the printed table. */
export interface Row {
  metric: string;
  value: string;
  floor?: string;
  overhead?: string;
  target?: string;
  ok?: boolean;
}

/** Renders rows as a Markdown table. */
export function renderTable(rows: Row[]): string {
  const header = ["Metric", "Measured", "Floor (fake alone)", "Overhead", "Target", ""];
  const body = rows.map((r) => [
    r.metric,
    r.value,
    r.floor ?? "",
    r.overhead ?? "",
    r.target ?? "",
    r.ok === undefined ? "" : r.ok ? "ok" : "MISSED",
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0))
  );
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)]
    .join("\n");
}
