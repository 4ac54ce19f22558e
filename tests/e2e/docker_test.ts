/**
 * No Docker engine runs these tests: they keep the Dockerfile in step with the start task and
 * CI, and run its health check command against a real server.
 *
 * @module
 */
import assert from "node:assert/strict";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { startTestServer } from "../support/harness.ts";
import { runToExit } from "../support/task_process.ts";
import {
  dockerCmdFlags,
  permissionFlags,
  readTask,
  ROOT_DIR,
  runFlags,
} from "../support/start_flags.ts";

const dockerfile = await Deno.readTextFile(`${ROOT_DIR}Dockerfile`);

/** The value of `ENV NAME=value` in the Dockerfile (one or several per instruction). */
function dockerEnv(name: string): string | undefined {
  return dockerfile.match(new RegExp(`\\b${name}=(\\S+)`))?.[1];
}

/** The Dockerfile's HEALTHCHECK command, as the shell would expand it for `port`. */
function healthcheckArgs(port: number): string[] {
  const line = dockerfile.match(/HEALTHCHECK[^\n]*\\\n\s*CMD ([^\n]+)/)?.[1];
  assert.ok(line, "the Dockerfile has a HEALTHCHECK CMD on its second line");
  return line.replaceAll("${PORT:-3000}", String(port)).trim().split(/\s+/);
}

Deno.test("the Dockerfile's CMD has the start task's permissions, with KV in /data", async () => {
  const start = permissionFlags(runFlags(await readTask("start")));
  const docker = dockerCmdFlags(dockerfile);
  assert.deepEqual(docker, start.map((flag) => flag.replaceAll("./data", "/data")));
  assert.equal(dockerEnv("KV_PATH"), "/data/kv.sqlite3");
  assert.match(dockerfile, /^VOLUME \/data$/m);
});

Deno.test("the Dockerfile uses the Deno version CI installs and exposes the port it listens on", async () => {
  const ci = await Deno.readTextFile(`${ROOT_DIR}.ci/run`);
  const ciVersion = ci.match(/npm install -g deno@(\d+\.\d+\.\d+)/)?.[1];
  assert.ok(ciVersion, ".ci/run installs a pinned Deno");
  assert.match(
    dockerfile,
    new RegExp(`^FROM denoland/deno:${ciVersion.replaceAll(".", "\\.")}$`, "m"),
  );
  assert.equal(dockerEnv("PORT"), "3000");
  assert.match(dockerfile, /^EXPOSE 3000$/m);
  assert.match(dockerfile, /^USER deno$/m);
});

Deno.test("the image leaves out local state, secrets and tests", async () => {
  const ignored = (await Deno.readTextFile(`${ROOT_DIR}.dockerignore`)).split("\n");
  for (const entry of [".env", "data/", "*.sqlite3*", "node_modules/", "tests/", ".git"]) {
    assert.ok(ignored.includes(entry), `.dockerignore must list ${entry}`);
  }
  assert.ok(ignored.includes("!scripts/healthcheck.ts"), "the health check script is kept");
});

Deno.test("the Dockerfile's health check passes on a ready server and fails otherwise", async (t) => {
  const [deno, run, ...rest] = healthcheckArgs(0);
  assert.equal(`${deno} ${run}`, "deno run");
  const script = rest.at(-1);
  assert.equal(script, "scripts/healthcheck.ts");

  const check = async (port: number) => {
    const args = healthcheckArgs(port);
    const flags = args.slice(2, -1);
    return await runToExit({
      flags,
      cwd: ROOT_DIR,
      entry: `${ROOT_DIR}${script}`,
      env: { PORT: String(port) },
    });
  };

  await t.step("ready: exit 0", async () => {
    await using server = await startTestServer({ fake: fixtureWorkspace() });
    const port = Number(new URL(server.url).port);
    const result = await check(port);
    assert.equal(result.code, 0, result.stderr);
  });

  await t.step("KV unavailable (503): exit 1", async () => {
    await using server = await startTestServer({ fake: fixtureWorkspace() });
    const port = Number(new URL(server.url).port);
    const kvGet = server.kv.get.bind(server.kv);
    server.kv.get = (() => Promise.reject(new Error("KV is down"))) as typeof server.kv.get;
    try {
      const result = await check(port);
      assert.equal(result.code, 1, result.stderr);
    } finally {
      server.kv.get = kvGet;
    }
  });

  await t.step("nothing listening: exit 1", async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    const result = await check(port);
    assert.equal(result.code, 1, result.stderr);
  });
});
