/**
 * `deno task score:discovery`: scores tool search on the discovery development set the way the
 * held-out set is scored. Starts the fake Integration.app API loaded with the set's catalog
 * (one customer, one active connection per app) and the server, both on 127.0.0.1 with KV in
 * memory, then runs the set's own `score.ts` against `GET /mcp/tools?q=`.
 *
 *   deno task score:discovery [--dir ../shared/discovery] [--set DIR] [--half even|odd]
 *     [score.ts options]
 *
 * `--half even|odd` scores every other intent of each style (the two halves of a split used
 * to check that a change generalizes: tune on one, look at the other). Other options
 * (`--limit`, `--report`, `--style`) go to `score.ts` unchanged. The folder may also come from
 * `DISCOVERY_DIR`. `--set DIR` scores another set of the same format (its `catalog.json` and
 * `intents.json`, e.g. `tests/testdata/search_probe`) with the discovery folder's `score.ts`.
 *
 * @module
 */
import { createServices } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { createHandler } from "../src/http/handler.ts";
import {
  apiOptionsFromConfig,
  createIntegrationAppApiFactory,
} from "../src/integration_app/client.ts";
import { createLogger } from "../src/log.ts";
import { type FakeAction, FakeIntegrationApp } from "../fake_integration_app/server.ts";

interface App {
  key: string;
  name: string;
  actions: FakeAction[];
}

interface Intent {
  query: string;
  style: string;
}

/** Every other intent of each style: `even` takes the 1st, 3rd, …, `odd` the 2nd, 4th, …. */
export function halfOf<T extends Intent>(intents: T[], half: "even" | "odd"): T[] {
  const seen = new Map<string, number>();
  return intents.filter((intent) => {
    const index = seen.get(intent.style) ?? 0;
    seen.set(intent.style, index + 1);
    return (index % 2 === 0) === (half === "even");
  });
}

/** The fake Integration.app workspace of a discovery catalog: one customer, `dev`. */
export function discoveryWorkspace(integrations: App[]) {
  return {
    integrations: integrations.map((a) => ({ id: `int_${a.key}`, key: a.key, name: a.name })),
    actions: Object.fromEntries(integrations.map((a) => [a.key, a.actions])),
    customers: [{
      id: "dev",
      connections: integrations.map((a) => ({
        id: `conn_${a.key}`,
        name: a.name,
        integrationKey: a.key,
      })),
    }],
  };
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith("--")) throw new TypeError(`--${name} needs a value`);
  args.splice(at, 2);
  return value;
}

async function main(): Promise<number> {
  const args = [...Deno.args];
  const dir = option(args, "dir") ?? Deno.env.get("DISCOVERY_DIR") ?? "../shared/discovery";
  const set = option(args, "set") ?? dir;
  const half = option(args, "half");
  if (half !== undefined && half !== "even" && half !== "odd") {
    throw new TypeError(`--half must be even or odd, not ${half}`);
  }
  const { integrations }: { integrations: App[] } = JSON.parse(
    await Deno.readTextFile(`${set}/catalog.json`),
  );
  let intentsFile: string | undefined;
  let tempFile: string | undefined;
  if (half) {
    const intents: Intent[] = JSON.parse(await Deno.readTextFile(`${set}/intents.json`));
    intentsFile = tempFile = await Deno.makeTempFile({ suffix: ".json" });
    await Deno.writeTextFile(intentsFile, JSON.stringify(halfOf(intents, half)));
  } else if (set !== dir) {
    intentsFile = `${set}/intents.json`;
  }

  const fake = new FakeIntegrationApp(discoveryWorkspace(integrations)).start();
  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    INTEGRATION_APP_API_URL: fake.url,
    LOG_LEVEL: "error",
    RATE_LIMIT_PER_SECOND: "100000",
    RATE_LIMIT_BURST: "100000",
  });
  const kv = await Deno.openKv(":memory:");
  const services = createServices({
    config,
    kv,
    logger: createLogger(config.logLevel),
    apiFactory: createIntegrationAppApiFactory(apiOptionsFromConfig(config)),
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    createHandler(services),
  );
  try {
    const token = await fake.token("dev");
    const command = new Deno.Command("deno", {
      args: [
        "run",
        "--allow-net=127.0.0.1",
        "--allow-read",
        "--allow-write",
        "--allow-env=DISCOVERY_TOKEN",
        `${dir}/score.ts`,
        "--url",
        `http://127.0.0.1:${server.addr.port}`,
        ...(intentsFile ? ["--intents", intentsFile] : []),
        ...(set !== dir ? ["--catalog", `${set}/catalog.json`] : []),
        ...args,
      ],
      env: { DISCOVERY_TOKEN: token, NO_PROXY: "127.0.0.1,localhost" },
      stdout: "inherit",
      stderr: "inherit",
    });
    return (await command.output()).code;
  } finally {
    await server.shutdown();
    await services.background.drain();
    await fake.stop();
    kv.close();
    if (tempFile) await Deno.remove(tempFile);
  }
}

if (import.meta.main) Deno.exit(await main());
