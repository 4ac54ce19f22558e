/**
 * Real MCP clients against the real server, for CI (`.ci/run` runs it after the tests):
 *
 * 1. the official MCP conformance suite, a few scenarios any tools-only server must pass,
 *    through an Authorization-adding proxy (the suite sends no credentials);
 * 2. the MCP Inspector CLI: `tools/list`, a `tools/call` that succeeds and one whose action
 *    fails, with a bearer header;
 * 3. the official SDK clients in one run: a 2026-07-28 client (2.x) lists, calls and hears
 *    `list_changed` through `subscriptions/listen` when a 2025 client (1.x) of its chat enables
 *    a tool.
 *
 * Both come from the committed, locked tree in `clients/` (`scripts/mcp_clients.ts`), never
 * resolved afresh.
 *
 * The server is `main.ts` run with the `start:custom` task's permissions, listening on
 * 127.0.0.1, against the fake Integration.app API. Raw client output goes to `ci-output/`;
 * this prints one line per check and exits 1 when any fails.
 *
 * @module
 */
import { FakeIntegrationApp } from "../fake_integration_app/server.ts";
import { fixtureWorkspace } from "../fake_integration_app/fixtures.ts";
import {
  expandVariables,
  flagValues,
  readTask,
  ROOT_DIR,
  runFlags,
  withFlagValues,
} from "../tests/support/start_flags.ts";
import { startFlaggedServer } from "../tests/support/task_process.ts";
import { connectModernClient } from "../src/sdk/modern_client.ts";
import { connectClient } from "../tests/support/harness.ts";
import { startAuthProxy } from "./auth_proxy.ts";
import {
  clientCommand,
  ClientInstallError,
  type ClientName,
  ensureClientsInstalled,
} from "./mcp_clients.ts";

/**
 * Checks of the suite that need its own fixture tools (`test_missing_capability`,
 * `test_streaming_elicitation`, `test_logging_tool`): a server of real Integration.app tools
 * cannot list them, so the suite reports them as failed ("Not testable"). They are expected
 * failures, each with its reason; any other failure fails CI.
 */
const FIXTURE_ONLY: Record<string, string> = {
  "sep-2575-server-rejects-undeclared-capability":
    "needs the suite's tool test_missing_capability (no tool of ours requires a client capability)",
  "sep-2575-missing-capability-http-400":
    "needs the suite's tool test_missing_capability (same check, its HTTP status)",
  "sep-2575-http-server-no-independent-requests-on-stream":
    "needs the suite's tool test_streaming_elicitation (our tools never ask the client)",
  "sep-2575-server-no-log-without-loglevel":
    "needs the suite's tool test_logging_tool (we send no log notifications)",
};

/** Conformance scenarios, each at the protocol revision it is run for. */
const SCENARIOS: {
  name: string;
  specVersion: string;
  expectedFailures?: Record<string, string>;
}[] = [
  { name: "server-initialize", specVersion: "2025-11-25" },
  { name: "server-session-lifecycle", specVersion: "2025-11-25" },
  { name: "ping", specVersion: "2025-11-25" },
  { name: "tools-list", specVersion: "2025-11-25" },
  { name: "server-sse-multiple-streams", specVersion: "2025-11-25" },
  { name: "dns-rebinding-protection", specVersion: "2025-11-25" },
  { name: "server-stateless", specVersion: "2026-07-28", expectedFailures: FIXTURE_ONLY },
  { name: "caching", specVersion: "2026-07-28" },
  { name: "http-header-validation", specVersion: "2026-07-28" },
  { name: "tools-list", specVersion: "2026-07-28" },
  { name: "dns-rebinding-protection", specVersion: "2026-07-28" },
];
const OUTPUT_DIR = `${ROOT_DIR}ci-output`;

/** The outcome of one check. */
interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** Lines printed under the check (e.g. each expected failure with its reason). */
  notes?: string[];
}

function print(line: string): void {
  // deno-lint-ignore no-console
  console.log(line);
}

/** The first line of a tool's error output that says what went wrong, for the CI log. */
function firstErrorLine(stderr: string): string | undefined {
  return stderr.split("\n").map((line) => line.trim())
    .find((line) => /error|cannot|not found|denied/i.test(line))?.slice(0, 300);
}

/** Runs a pinned client (see `scripts/mcp_clients.ts`) and keeps its whole output in a file. */
async function runClient(
  name: ClientName,
  args: string[],
  cwd: string,
  logFile: string,
): Promise<{ code: number; stdout: string; output: string; error?: string }> {
  const command = await clientCommand(name, args);
  const output = await new Deno.Command("deno", {
    args: command,
    cwd,
    env: { NO_COLOR: "1", NO_PROXY: "127.0.0.1,localhost" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  const stdout = decoder.decode(output.stdout);
  const stderr = decoder.decode(output.stderr);
  const text = `$ deno ${command.join(" ")}\n(exit code ${output.code})\n\n` +
    `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
  await Deno.writeTextFile(logFile, text);
  return { code: output.code, stdout, output: text, error: firstErrorLine(stderr) };
}

/** The suite's own result line, e.g. `Passed: 2/2, 0 failed, 0 warnings`, as numbers. */
function suiteCounts(
  output: string,
): { passed: number; total: number; failed: number } | undefined {
  const match = output.match(/Passed:\s*(\d+)\/(\d+),\s*(\d+)\s*failed/);
  if (!match) return undefined;
  return { passed: Number(match[1]), total: Number(match[2]), failed: Number(match[3]) };
}

/** The ids of the checks the suite reports as failed, e.g. `sep-2575-…`. */
function failedChecks(output: string): string[] {
  // The suite colours its output (ANSI escapes) even with NO_COLOR.
  // deno-lint-ignore no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  return [...plain.matchAll(/\[([a-z0-9-]+)\s*\]\s+FAILURE/g)].map((match) => match[1] as string);
}

async function conformance(mcpUrl: string, cwd: string): Promise<Check[]> {
  const checks: Check[] = [];
  for (const { name: scenario, specVersion, expectedFailures = {} } of SCENARIOS) {
    const log = `${OUTPUT_DIR}/conformance-${scenario}-${specVersion}.log`;
    const result = await runClient(
      "conformance",
      ["server", "--url", mcpUrl, "--scenario", scenario, "--spec-version", specVersion],
      cwd,
      log,
    );
    const counts = suiteCounts(result.output);
    const failed = failedChecks(result.output);
    const expected = failed.filter((id) => id in expectedFailures);
    const unexpected = failed.filter((id) => !(id in expectedFailures));
    // The suite exits non-zero on any failure: with only expected ones, its counts decide.
    const ok = counts !== undefined && counts.passed > 0 && unexpected.length === 0 &&
      counts.failed === expected.length && counts.passed + expected.length === counts.total &&
      (result.code === 0 || expected.length > 0);
    const detail = counts
      ? `${counts.passed} of ${counts.total} checks passed` +
        (expected.length > 0 ? `, ${expected.length} expected failures` : "") +
        (unexpected.length > 0 ? `, unexpected failures: ${unexpected.join(", ")}` : "")
      : `no result line, exit code ${result.code}${result.error ? `: ${result.error}` : ""}`;
    for (const id of expected) {
      await Deno.writeTextFile(log, `expected failure ${id}: ${expectedFailures[id]}\n`, {
        append: true,
      });
    }
    checks.push({
      name: `conformance ${scenario} (${specVersion})`,
      ok,
      detail: `${detail}; ${relative(log)}`,
      notes: expected.map((id) => `expected failure ${id}: ${expectedFailures[id]}`),
    });
  }
  return checks;
}

async function inspector(mcpUrl: string, token: string, cwd: string): Promise<Check[]> {
  const base = [
    "--cli",
    mcpUrl,
    "--header",
    `Authorization: Bearer ${token}`,
    "--format",
    "json",
    "--stored-auth-only",
  ];
  const checks: Check[] = [];
  const run = async (name: string, args: string[]) => {
    const log = `${OUTPUT_DIR}/inspector-${name}.log`;
    return { log, ...(await runClient("inspector", [...base, ...args], cwd, log)) };
  };
  const json = (stdout: string): Record<string, unknown> | undefined => {
    const start = stdout.indexOf("{");
    try {
      return JSON.parse(stdout.slice(start, stdout.lastIndexOf("}") + 1));
    } catch {
      return undefined;
    }
  };

  const list = await run("tools-list", ["--method", "tools/list"]);
  const tools = (json(list.stdout)?.result as { tools?: { name: string }[] } | undefined)?.tools;
  const names = tools?.map((tool) => tool.name) ?? [];
  checks.push({
    name: "inspector tools/list",
    ok: list.code === 0 && names.includes("hubspot_create-contact") &&
      names.includes("gmail_send-email"),
    detail: `exit code ${list.code}, ${names.length} tools; ${problem(list)}${relative(list.log)}`,
  });

  const call = await run("tools-call", [
    "--method",
    "tools/call",
    "--tool-name",
    "hubspot_create-contact",
    "--tool-args-json",
    JSON.stringify({ email: "ada@example.com" }),
  ]);
  const structured = (json(call.stdout)?.result as { structuredContent?: { id?: string } })
    ?.structuredContent;
  checks.push({
    name: "inspector tools/call",
    ok: call.code === 0 && structured?.id === "12345",
    detail: `exit code ${call.code}; ${problem(call)}${relative(call.log)}`,
  });

  const failing = await run("tools-call-error", [
    "--method",
    "tools/call",
    "--tool-name",
    "hubspot_create-contact",
    "--tool-args-json",
    JSON.stringify({ email: "ada@invalid.test" }),
  ]);
  checks.push({
    name: "inspector tools/call of a failing action (isError, exit code 5)",
    ok: failing.code === 5 && failing.stdout.includes("email is invalid"),
    detail: `exit code ${failing.code}; ${relative(failing.log)}`,
  });
  return checks;
}

/** Runs `check` and turns its outcome (or its error) into a check line. */
async function attempt(name: string, check: () => Promise<string>): Promise<Check> {
  try {
    return { name, ok: true, detail: await check() };
  } catch (error) {
    return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The official SDK clients side by side in one run: a 2026-07-28 client (2.x, pinned: no
 * `initialize`, no session) and a 2025 client (1.x) of the same chat. The modern one lists,
 * calls, and hears `list_changed` on `subscriptions/listen` when the 2025 one enables a tool.
 */
async function sdkClients(mcpUrl: string, token: string): Promise<Check[]> {
  const chat = { query: "?mode=dynamic", headers: { "x-chat-id": "ci-chat" } };
  const modern = await connectModernClient(mcpUrl, token, chat);
  const legacy = await connectClient(mcpUrl, token, chat);
  try {
    const checks = [
      await attempt("2026-07-28 client (SDK 2.x): negotiates, lists, calls", async () => {
        const version = modern.getNegotiatedProtocolVersion();
        if (version !== "2026-07-28") throw new Error(`negotiated ${version}`);
        const { tools } = await modern.listTools();
        if (!tools.some((tool) => tool.name === "call-tool")) throw new Error("no meta-tools");
        const result = await modern.callTool({
          name: "call-tool",
          arguments: { name: "hubspot_create-contact", arguments: { email: "ada@example.com" } },
        });
        if (result.isError) throw new Error(`call failed: ${JSON.stringify(result.content)}`);
        return `${version}, ${tools.length} tools listed, call-tool ran an action`;
      }),
    ];
    checks.push(
      await attempt(
        "2026-07-28 client hears list_changed from a 2025 client's change",
        async () => {
          let notified!: () => void;
          const heard = new Promise<void>((resolve) => notified = resolve);
          modern.setNotificationHandler("notifications/tools/list_changed", () => notified());
          const subscription = await modern.listen({ toolsListChanged: true });
          let timer: ReturnType<typeof setTimeout> | undefined;
          try {
            const started = performance.now();
            await legacy.callTool({
              name: "enable-tools",
              arguments: { tools: ["gmail_send-email"] },
            });
            await Promise.race([
              heard,
              new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error("no list_changed within 10 s")), 10_000);
              }),
            ]);
            const { tools } = await modern.listTools(undefined, { cacheMode: "bypass" });
            if (!tools.some((tool) => tool.name === "gmail_send-email")) {
              throw new Error("the enabled tool is not listed to the chat");
            }
            return `after ${Math.round(performance.now() - started)} ms; the chat lists the tool`;
          } finally {
            clearTimeout(timer);
            await subscription.close();
          }
        },
      ),
    );
    return checks;
  } finally {
    await modern.close();
    await legacy.close();
  }
}

/** The error line of a failed client run, for the check's one-line detail. */
function problem(run: { code: number; error?: string }): string {
  return run.code !== 0 && run.error ? `${run.error}; ` : "";
}

function relative(path: string): string {
  return path.startsWith(ROOT_DIR) ? path.slice(ROOT_DIR.length) : path;
}

async function main(): Promise<number> {
  await Deno.remove(OUTPUT_DIR, { recursive: true }).catch(() => {});
  await Deno.mkdir(OUTPUT_DIR, { recursive: true });
  try {
    await ensureClientsInstalled();
  } catch (error) {
    if (!(error instanceof ClientInstallError)) throw error;
    print(`  FAIL ${error.message}`);
    print("Real clients: not run (install failed)");
    return 1;
  }
  const work = await Deno.makeTempDir({ prefix: "mcp-ci-clients-" });
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  const token = await fake.token("alice");

  const apiHost = new URL(fake.url).host;
  const command = expandVariables(await readTask("start:custom"), {
    INTEGRATION_APP_API_HOST: apiHost,
  });
  const startFlags = runFlags(command);
  const net = flagValues(startFlags, "net");
  if (!Array.isArray(net)) throw new Error("Cannot read the start:custom task's --allow-net");
  // Listen on loopback (port 0) instead of 0.0.0.0; everything else as users run it.
  const flags = withFlagValues(startFlags, "net", ["127.0.0.1:0", ...net.slice(1)]);
  const checks: Check[] = [];
  try {
    await using server = await startFlaggedServer({
      flags,
      cwd: work,
      env: {
        HOST: "127.0.0.1",
        PORT: "0",
        INTEGRATION_APP_API_URL: fake.url,
        KV_PATH: "./data/kv.sqlite3",
        LOG_LEVEL: "info",
      },
    });
    await using proxy = startAuthProxy({
      target: server.url,
      authorization: `Bearer ${token}`,
    });
    print(`Real clients against ${server.url}/mcp (conformance via ${proxy.url}/mcp)`);
    checks.push(...await conformance(`${proxy.url}/mcp`, work));
    checks.push(...await inspector(`${server.url}/mcp`, token, work));
    checks.push(...await sdkClients(`${server.url}/mcp`, token));
    const status = await server.stop();
    await Deno.writeTextFile(`${OUTPUT_DIR}/server.log`, server.lines.join("\n") + "\n");
    checks.push({
      name: "server shut down cleanly",
      ok: status.code === 0,
      detail: `exit code ${status.code}; ci-output/server.log`,
    });
  } finally {
    await Deno.remove(work, { recursive: true });
  }
  for (const check of checks) {
    print(`  ${check.ok ? "ok  " : "FAIL"} ${check.name} (${check.detail})`);
    for (const note of check.notes ?? []) print(`         ${note}`);
  }
  const failed = checks.filter((check) => !check.ok);
  print(
    failed.length === 0
      ? `Real clients: all ${checks.length} checks ok`
      : `Real clients: ${failed.length} of ${checks.length} checks FAILED`,
  );
  return failed.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
