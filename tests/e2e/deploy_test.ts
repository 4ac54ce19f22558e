/**
 * Deno Deploy runs `main.ts` with every permission, no flags, `DENO_DEPLOYMENT_ID` set and a
 * managed KV that `Deno.openKv()` opens without a path. This runs the real entry point that
 * way, with a DENO_DIR of its own (so the "default" KV lands in a temporary folder) whose
 * package caches link to the real ones (`--cached-only`: nothing is downloaded).
 *
 * @module
 */
import assert from "node:assert/strict";
import { connectClient } from "../support/harness.ts";
import { FakeIntegrationApp } from "../../fake_integration_app/server.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { startFlaggedServer } from "../support/task_process.ts";

async function realDenoDir(): Promise<string> {
  const output = await new Deno.Command("deno", { args: ["info", "--json"] }).output();
  assert.equal(output.code, 0);
  return (JSON.parse(new TextDecoder().decode(output.stdout)) as { denoDir: string }).denoDir;
}

async function findFiles(folder: string, name: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(folder)) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory && !entry.isSymlink) found.push(...await findFiles(path, name));
    else if (entry.name === name) found.push(path);
  }
  return found;
}

Deno.test("on Deno Deploy main.ts needs no flags and keeps sessions in the platform's KV", async () => {
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  const cwd = await Deno.makeTempDir({ prefix: "mcp-deploy-" });
  const denoDir = `${cwd}/deno-dir`;
  await Deno.mkdir(denoDir);
  const real = await realDenoDir();
  for (const cache of ["npm", "remote"]) {
    const target = `${real}/${cache}`;
    if (await Deno.stat(target).then(() => true, () => false)) {
      await Deno.symlink(target, `${denoDir}/${cache}`);
    }
  }
  try {
    await using server = await startFlaggedServer({
      flags: ["--allow-all", "--cached-only"],
      cwd,
      env: {
        DENO_DEPLOYMENT_ID: "deploy-test",
        DENO_DIR: denoDir,
        HOST: "127.0.0.1",
        PORT: "0",
        INTEGRATION_APP_API_URL: fake.url,
        KV_PATH: "",
        LOG_LEVEL: "info",
      },
    });
    const client = await connectClient(`${server.url}/mcp`, await fake.token("alice"));
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.some((tool) => tool.name === "gmail_send-email"));
    } finally {
      await client.close();
    }
    const status = await server.stop();
    assert.equal(status.code, 0, server.lines.join("\n"));

    const kvFiles = await findFiles(`${denoDir}/location_data`, "kv.sqlite3");
    assert.equal(kvFiles.length, 1, "the default KV of the deployment holds the session");
    const kv = await Deno.openKv(kvFiles[0]);
    try {
      let keys = 0;
      for await (const _ of kv.list({ prefix: [] })) keys++;
      assert.ok(keys > 0, "sessions were written to the default KV");
    } finally {
      kv.close();
    }
    const local = await Deno.stat(`${cwd}/data`).then(() => true, () => false);
    assert.equal(local, false, "no ./data folder on Deploy");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
