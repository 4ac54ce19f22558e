/**
 * The server runs with the start task's permissions and nothing more: it reaches the
 * Integration.app API, KV in ./data, and is refused everything else. Missing permissions or
 * configuration stop it at once with a message naming the fix.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "../../src/sdk/client.ts";
import { FakeIntegrationApp } from "../../fake_integration_app/server.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { runToExit, startFlaggedServer } from "../support/task_process.ts";
import {
  CONFIG_PATH,
  expandVariables,
  flagValues,
  permissionFlags,
  readTask,
  runFlags,
  withFlagValues,
} from "../support/start_flags.ts";

const PROBE = new URL("./testdata/permission_probe.ts", import.meta.url).pathname;

/**
 * The start task's flags as a test must run them: listening on 127.0.0.1 (port 0) instead of
 * 0.0.0.0, the only change a test makes by hand.
 */
function onLoopback(flags: string[]): string[] {
  const net = flagValues(flags, "net");
  assert.ok(Array.isArray(net), "the start task must list its net hosts");
  assert.equal(net[0], "0.0.0.0", "the first net entry of the start task is the listen address");
  return withFlagValues(flags, "net", ["127.0.0.1:0", ...net.slice(1)]);
}

/** `deno task start:custom`'s flags for the fake API, as a user would set the variable. */
async function customFlags(fake: FakeIntegrationApp): Promise<string[]> {
  const host = new URL(fake.url).host;
  const command = expandVariables(await readTask("start:custom"), {
    INTEGRATION_APP_API_HOST: host,
  });
  return onLoopback(runFlags(command));
}

function serverEnv(fake: FakeIntegrationApp, extra: Record<string, string> = {}) {
  return {
    HOST: "127.0.0.1",
    PORT: "0",
    INTEGRATION_APP_API_URL: fake.url,
    KV_PATH: "./data/kv.sqlite3",
    LOG_LEVEL: "info",
    ...extra,
  };
}

function lastMessage(stderr: string): string {
  const line = stderr.trim().split("\n").at(-1) ?? "";
  try {
    return String((JSON.parse(line) as { msg?: unknown }).msg);
  } catch {
    return line;
  }
}

Deno.test("the start task grants only the listen address, Integration.app, env and ./data", async () => {
  const flags = permissionFlags(runFlags(await readTask("start")));
  assert.deepEqual(flagValues(flags, "net"), ["0.0.0.0", "api.integration.app"]);
  assert.equal(flagValues(flags, "env"), "all", "the Integration.app SDK reads the whole env");
  assert.deepEqual(flagValues(flags, "read"), ["./data"]);
  assert.deepEqual(flagValues(flags, "write"), ["./data"]);
  for (const name of ["run", "ffi", "sys", "import", "all"]) {
    assert.equal(flagValues(flags, name), undefined, `--allow-${name} must not be granted`);
  }
  assert.ok(!flags.includes("-A"), "-A must not be granted");
  assert.equal(flags.length, 4, `unexpected flags: ${flags.join(" ")}`);
});

Deno.test("start:custom is the start task with the Integration.app host taken from INTEGRATION_APP_API_HOST", async () => {
  const start = await readTask("start");
  const custom = await readTask("start:custom");
  assert.equal(custom, start.replace(",api.integration.app ", ",$INTEGRATION_APP_API_HOST "));
});

Deno.test("a server with the start task's permissions serves tools and is refused every other host", async (t) => {
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  const cwd = await Deno.makeTempDir({ prefix: "mcp-permissions-" });
  try {
    const flags = await customFlags(fake);
    await using server = await startFlaggedServer({ flags, cwd, env: serverEnv(fake) });

    await t.step("tools/list and tools/call reach the Integration.app API", async () => {
      const client = new Client({ name: "permissions-test", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${await fake.token("alice")}` } },
        }),
      );
      try {
        const { tools } = await client.listTools();
        assert.ok(tools.some((tool) => tool.name === "hubspot_create-contact"));
        const result = await client.callTool({
          name: "hubspot_create-contact",
          arguments: { email: "ada@example.com" },
        });
        assert.equal(result.isError, undefined);
      } finally {
        await client.close();
      }
      assert.ok(fake.count(/^POST \/connections\/conn_hubspot\/actions\/create-contact\/run$/) > 0);
    });

    await t.step("KV lives in ./data of the working directory", async () => {
      const stat = await Deno.stat(`${cwd}/data/kv.sqlite3`);
      assert.ok(stat.isFile);
    });

    await t.step(
      "any other host, file, program or library is refused with NotCapable",
      async () => {
        const result = await runToExit({
          flags,
          cwd,
          entry: PROBE,
          args: [fake.url, CONFIG_PATH, `${cwd}/outside.txt`],
        });
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(JSON.parse(result.stdout), {
          "fetch Integration.app": "allowed",
          "fetch another address": "NotCapable",
          "fetch another name": "NotCapable",
          "connect to another address": "NotCapable",
          "read outside ./data": "NotCapable",
          "write outside ./data": "NotCapable",
          "run a program": "NotCapable",
          "load a native library": "NotCapable",
        });
      },
    );

    const status = await server.stop();
    assert.equal(status.code, 0, server.lines.join("\n"));
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("startup fails fast with a message naming the missing permission or setting", async (t) => {
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  const cwd = await Deno.makeTempDir({ prefix: "mcp-startup-" });
  const startFlags = onLoopback(runFlags(await readTask("start")));
  try {
    await t.step("an Integration.app host outside --allow-net", async () => {
      const result = await runToExit({ flags: startFlags, cwd, env: serverEnv(fake) });
      assert.equal(result.code, 1);
      const host = new URL(fake.url).host;
      const message = lastMessage(result.stderr);
      assert.match(message, /^Missing permissions: /);
      assert.ok(message.includes(`--allow-net=${host} (reach Integration.app at ${fake.url}`));
      assert.ok(message.includes(`INTEGRATION_APP_API_HOST=${host} deno task start:custom`));
    });

    await t.step("--allow-env limited to a list of names", async () => {
      const flags = startFlags.map((flag) => flag === "--allow-env" ? "--allow-env=PORT" : flag);
      const result = await runToExit({ flags, cwd, env: serverEnv(fake) });
      assert.equal(result.code, 1);
      assert.match(lastMessage(result.stderr), /^Cannot read the environment: .*--allow-env/);
    });

    await t.step("a KV file outside the readable and writable folder", async () => {
      const flags = await customFlags(fake);
      const env = serverEnv(fake, { KV_PATH: "./elsewhere/kv.sqlite3" });
      const result = await runToExit({ flags, cwd, env });
      assert.equal(result.code, 1);
      assert.match(
        lastMessage(result.stderr),
        /^Missing permissions: --allow-read=\.\/elsewhere --allow-write=\.\/elsewhere \(Deno KV/,
      );
    });

    await t.step("a listen address outside --allow-net", async () => {
      const flags = runFlags(expandVariables(await readTask("start:custom"), {
        INTEGRATION_APP_API_HOST: new URL(fake.url).host,
      }));
      const result = await runToExit({ flags, cwd, env: serverEnv(fake) });
      assert.equal(result.code, 1);
      assert.match(
        lastMessage(result.stderr),
        /^Missing permissions: --allow-net=127\.0\.0\.1 \(listen on 127\.0\.0\.1:0\)/,
      );
    });

    await t.step("an invalid setting", async () => {
      const flags = await customFlags(fake);
      const env = serverEnv(fake, { PORT: "http" });
      const result = await runToExit({ flags, cwd, env });
      assert.equal(result.code, 1);
      assert.match(lastMessage(result.stderr), /^Invalid configuration: PORT: /);
    });

    await t.step("start:custom without INTEGRATION_APP_API_HOST", async () => {
      const flags = runFlags(expandVariables(await readTask("start:custom"), {}));
      const result = await runToExit({ flags, cwd, env: serverEnv(fake) });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /invalid empty host/);
    });

    assert.equal(fake.requests.length, 0, "no failed start may call Integration.app");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
