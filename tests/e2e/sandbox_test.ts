/**
 * `deno task sandbox` as a newcomer runs it: the printed token and URL work with a real MCP
 * client, and the printed snippets use them.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connectClient, textOf } from "../support/harness.ts";
import { runToExit, startFlaggedServer } from "../support/task_process.ts";
import { flagValues, readTask, ROOT_DIR, runFlags } from "../support/start_flags.ts";
import { ensureClientsInstalled } from "../../scripts/mcp_clients.ts";

const ENTRY = "scripts/sandbox.ts";

async function sandboxFlags(): Promise<string[]> {
  return runFlags(await readTask("sandbox"), ENTRY);
}

Deno.test("the sandbox task may only use the loopback address", async () => {
  const flags = await sandboxFlags();
  assert.deepEqual(flagValues(flags, "net"), ["127.0.0.1"]);
  assert.equal(flagValues(flags, "read"), undefined);
  assert.equal(flagValues(flags, "write"), undefined);
});

Deno.test("the sandbox prints a token and commands that work against its server", async (t) => {
  const cwd = await Deno.makeTempDir({ prefix: "mcp-sandbox-" });
  try {
    await using sandbox = await startFlaggedServer({
      flags: await sandboxFlags(),
      cwd,
      entry: `${ROOT_DIR}${ENTRY}`,
      env: { PORT: "0", LOG_LEVEL: "info" },
    });
    const output = sandbox.lines.join("\n");
    const mcpUrl = `${sandbox.url}/mcp`;
    const token = output.match(/^export MCP_TOKEN=(\S+)$/m)?.[1];
    assert.ok(token, output);

    await t.step("the banner names the endpoint the server listens on", () => {
      assert.match(output, new RegExp(`MCP endpoint +${mcpUrl.replaceAll(".", "\\.")}$`, "m"));
      assert.match(sandbox.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    });

    await t.step("the token lists alice's tools and calls one", async () => {
      const client = await connectClient(mcpUrl, token);
      try {
        const { tools } = await client.listTools();
        const names = tools.map((tool) => tool.name);
        assert.ok(names.includes("hubspot_create-contact"));
        assert.ok(names.includes("gmail_send-email"));
        assert.ok(!names.some((name) => name.startsWith("slack_")), "Slack is disconnected");
        const result = await client.callTool({
          name: "hubspot_create-contact",
          arguments: { email: "ada@example.com", firstName: "Ada" },
        });
        assert.equal(result.isError, undefined, textOf(result));
        assert.match(textOf(result), /ada@example\.com/);
      } finally {
        await client.close();
      }
    });

    await t.step("the printed Inspector commands work as pasted into a shell", async () => {
      await ensureClientsInstalled({ quiet: true });
      const commands = printedCommands(output, "deno task inspector --cli");
      assert.equal(commands.length, 5, output);
      const results = [];
      for (const command of commands) {
        assert.ok(command.includes(mcpUrl), command);
        const run = await new Deno.Command("bash", {
          args: ["-c", command],
          cwd: ROOT_DIR,
          env: { MCP_TOKEN: token, NO_COLOR: "1" },
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stdout = new TextDecoder().decode(run.stdout);
        assert.equal(run.code, 0, `${command}\n${stdout}\n${new TextDecoder().decode(run.stderr)}`);
        results.push(stdout);
      }
      const [list, call, search, callTool, connect] = results;
      assert.match(list!, /"name":"hubspot_create-contact"/);
      assert.match(call!, /ada@example\.com/);
      assert.match(search!, /gmail_send-email/);
      assert.match(callTool!, /"messageId":\s*"m-1"/);
      assert.match(
        connect!,
        /open this link to reconnect Slack: http:\/\/127\.0\.0\.1:\d+\/connect\//,
      );
    });

    await t.step(
      "the SDK 2.x snippet runs as printed: Slack's link comes as input_required",
      async () => {
        const start = output.indexOf(`import { Client, StreamableHTTPClientTransport }`);
        const end = output.indexOf("\n# Claude Desktop");
        assert.ok(start > 0 && end > start, output);
        const file = `${cwd}/client2.ts`;
        await Deno.writeTextFile(file, output.slice(start, end));
        // Run from the repository, so the pinned client resolves from its lock; stdin is not a
        // terminal, so the snippet's prompt returns at once and the user "accepts" unfinished.
        const run = await new Deno.Command("deno", {
          args: ["run", "--allow-net=127.0.0.1", "--allow-env", file],
          cwd: ROOT_DIR,
          env: { MCP_TOKEN: token, NO_COLOR: "1" },
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stdout = new TextDecoder().decode(run.stdout);
        assert.equal(run.code, 0, `${stdout}\n${new TextDecoder().decode(run.stderr)}`);
        assert.match(stdout, /"hubspot_create-contact"/);
        assert.match(
          stdout,
          /Connect Slack to continue[^\n]*\n {2}http:\/\/127\.0\.0\.1:\d+\/connect\//,
        );
        assert.match(stdout, /Slack is not connected yet: the user has not finished signing in/);
      },
    );

    await t.step("the SDK and Claude Desktop snippets use that URL and token", () => {
      assert.ok(output.includes(`new StreamableHTTPClientTransport(new URL("${mcpUrl}")`));
      const json = output.slice(output.indexOf('{\n  "mcpServers"'), output.indexOf("\n}\n") + 2);
      const claude = JSON.parse(json).mcpServers["integration-app-sandbox"];
      assert.ok(claude.args.includes(mcpUrl));
      assert.equal(claude.env.AUTH_HEADER, `Bearer ${token}`);
    });

    const status = await sandbox.stop();
    assert.equal(status.code, 0, sandbox.lines.join("\n"));
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

/** The shell commands of the banner that start with `prefix`, continuation lines joined. */
function printedCommands(output: string, prefix: string): string[] {
  return output.replaceAll("\\\n", " ").split("\n").filter((line) => line.startsWith(prefix));
}

Deno.test("the sandbox says so when its port is taken", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const result = await runToExit({
    flags: await sandboxFlags(),
    cwd: ROOT_DIR,
    entry: `${ROOT_DIR}${ENTRY}`,
    env: { PORT: String(taken.addr.port) },
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`Cannot listen on port ${taken.addr.port}: it is in use`));
});
