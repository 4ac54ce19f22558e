/**
 * `deno task load`: many concurrent MCP sessions calling tools against the fake Integration.app
 * with latency, the server running as a child process on 127.0.0.1. Reports requests and tool
 * calls per second, failures, p50/p99 latency and the server's memory every 10 s; exits 1 when
 * any request failed.
 *
 * Flags: --sessions=200 --tenants=20 --duration=90 (seconds) --latency=20 (ms) --crash
 * (SIGKILL the server halfway and restart it on the same KV file) --server-v8-flags=…
 * (V8 flags of the server, e.g. --max-old-space-size=64) --json (machine output).
 *
 * @module
 */
import { type LoadReport, runLoad } from "../tests/support/load_runner.ts";

function flag(name: string, fallback: number): number {
  const arg = Deno.args.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`Invalid --${name}: expected a positive number`);
  }
  return value;
}

function print(line: string): void {
  // deno-lint-ignore no-console
  console.log(line);
}

function summary(report: LoadReport): string[] {
  const lines = [
    `sessions ${report.sessions} over ${report.tenants} customers, ${
      (report.durationMs / 1000).toFixed(1)
    } s`,
    `requests sent ${report.requests} (${report.requestsPerSecond}/s), tool calls ` +
    `${report.toolCalls} (${report.toolCallsPerSecond}/s), failures ${report.failures}`,
    `latency p50 ${report.p50Ms} ms, p99 ${report.p99Ms} ms, max ${report.maxMs} ms`,
    `server RSS MB: ${report.rssTimeline.map(([s, mb]) => `${s} s ${mb}`).join(", ")}`,
    `load average ${Deno.loadavg().map((v) => v.toFixed(2)).join(" ")} at the end`,
  ];
  if (report.crash) {
    const c = report.crash;
    lines.push(
      `crash: down ${c.downMs} ms, errors while down ${report.outageErrors}, chats intact ${c.chatsIntact}, ` +
        `enabled tools intact ${c.enabledToolsIntact}, clients recovered ${c.clientsRecovered}/${c.chatsChecked}`,
    );
  }
  for (const sample of report.failureSamples) lines.push(`failure: ${sample}`);
  return lines;
}

if (import.meta.main) {
  const durationMs = flag("duration", 90) * 1000;
  const v8Flags = Deno.args.find((a) => a.startsWith("--server-v8-flags="))?.slice(18);
  const crash = Deno.args.includes("--crash");
  print(`# load average ${Deno.loadavg().map((v) => v.toFixed(2)).join(" ")} at the start`);
  const report = await runLoad({
    sessions: flag("sessions", 200),
    tenants: flag("tenants", 20),
    durationMs,
    latencyMs: flag("latency", 20),
    serverFlags: v8Flags ? [`--v8-flags=${v8Flags}`] : undefined,
    crashAtMs: crash ? durationMs / 2 : undefined,
    onProgress: (line) => print(`# ${line}`),
  });

  if (Deno.args.includes("--json")) print(JSON.stringify(report));
  else for (const line of summary(report)) print(line);
  const crashOk = !report.crash ||
    (report.crash.chatsIntact && report.crash.enabledToolsIntact &&
      report.crash.clientsRecovered === report.crash.chatsChecked);
  Deno.exit(report.failures === 0 && crashOk ? 0 : 1);
}
