/**
 * `deno task sandbox`: a sample Integration.app workspace (the test fake, with HubSpot, Gmail,
 * Google Calendar and Slack) and the MCP server wired to it, both on 127.0.0.1 only, with KV
 * in memory. Prints a token and commands to try every feature without an account.
 *
 * Environment: `PORT` (default 3000), `LOG_LEVEL` (default info).
 *
 * @module
 */
import { createServices } from "../src/app.ts";
import { ConfigError, loadConfig } from "../src/config.ts";
import { createHandler } from "../src/http/handler.ts";
import {
  apiOptionsFromConfig,
  createIntegrationAppApiFactory,
} from "../src/integration_app/client.ts";
import { createLogger } from "../src/log.ts";
import { FakeIntegrationApp } from "../fake_integration_app/server.ts";
import { fixtureWorkspace } from "../fake_integration_app/fixtures.ts";

const SDK = "npm:@modelcontextprotocol/sdk@1.32.2";
const CLIENT_2 = "npm:@modelcontextprotocol/client@2.4.0";
const TOKEN_HOURS = 24;

function print(text = ""): void {
  // deno-lint-ignore no-console
  console.log(text);
}

/** The instructions printed once the sandbox listens. */
export function instructions(mcpUrl: string, apiUrl: string, token: string): string {
  const inspector = `deno task inspector --cli ${mcpUrl}`;
  const auth = `--header "Authorization: Bearer $MCP_TOKEN" --format json --stored-auth-only`;
  const sdkSnippet = [
    `import { Client } from "${SDK}/client/index.js";`,
    `import { StreamableHTTPClientTransport } from "${SDK}/client/streamableHttp.js";`,
    ``,
    `const client = new Client({ name: "sandbox-client", version: "1.0.0" });`,
    `await client.connect(new StreamableHTTPClientTransport(new URL("${mcpUrl}"), {`,
    `  requestInit: { headers: { Authorization: \`Bearer \${Deno.env.get("MCP_TOKEN")}\` } },`,
    `}));`,
    `console.log((await client.listTools()).tools.map((tool) => tool.name));`,
    `console.log(await client.callTool({`,
    `  name: "hubspot_create-contact",`,
    `  arguments: { email: "ada@example.com", firstName: "Ada" },`,
    `}));`,
    `await client.close();`,
  ].join("\n");
  const modernSnippet = [
    `import { Client, StreamableHTTPClientTransport } from "${CLIENT_2}";`,
    ``,
    `const client = new Client({ name: "sandbox-client", version: "1.0.0" }, {`,
    `  versionNegotiation: { mode: { pin: "2026-07-28" } },`,
    `  capabilities: { elicitation: { url: {} } },`,
    `});`,
    `// URL-mode elicitation: the server hands a link (connect an app); the SDK retries the call.`,
    `client.setRequestHandler("elicitation/create", (request) => {`,
    `  if (request.params.mode !== "url") return { action: "decline" };`,
    `  console.log(\`\${request.params.message}\\n  \${request.params.url}\`);`,
    `  prompt("Open the link, then press Enter.");`,
    `  return { action: "accept" };`,
    `});`,
    `await client.connect(new StreamableHTTPClientTransport(new URL("${mcpUrl}"), {`,
    `  requestInit: { headers: { Authorization: \`Bearer \${Deno.env.get("MCP_TOKEN")}\` } },`,
    `}));`,
    `console.log((await client.listTools()).tools.map((tool) => tool.name));`,
    `// Slack's connection is broken: the call asks for the reconnect link first.`,
    `console.log(await client.callTool({`,
    `  name: "slack_post-message",`,
    `  arguments: { channel: "general", text: "Hi" },`,
    `}));`,
    `await client.close();`,
  ].join("\n");
  const claude = JSON.stringify(
    {
      mcpServers: {
        "integration-app-sandbox": {
          command: "npx",
          args: [
            "-y",
            "mcp-remote@0.15.1",
            mcpUrl,
            "--allow-http",
            "--header",
            "Authorization:${AUTH_HEADER}",
          ],
          env: { AUTH_HEADER: `Bearer ${token}` },
        },
      },
    },
    null,
    2,
  );
  return `Sandbox ready: a sample Integration.app workspace and the MCP server, on 127.0.0.1 only.

  MCP endpoint  ${mcpUrl}
  Sample API    ${apiUrl}  (a fake Integration.app; KV in memory)
  Customer      alice: HubSpot, Gmail and Google Calendar connected, Slack disconnected
  Token         valid ${TOKEN_HOURS} h, below

export MCP_TOKEN=${token}

# In this folder, in another terminal: list the tools with the MCP Inspector CLI (pinned in
# clients/; the first run installs it there with npm ci)
${inspector} --method tools/list ${auth}

# Call a tool, in a chat named demo-chat
${inspector} --method tools/call --tool-name hubspot_create-contact \\
  --tool-args-json '{"email":"ada@example.com","firstName":"Ada"}' \\
  --header "x-chat-id: demo-chat" ${auth}

# Dynamic mode: enable-tools, search-tools, call-tool and connect-app at first; find a tool,
# then run it
deno task inspector --cli "${mcpUrl}?mode=dynamic" --method tools/call \\
  --tool-name search-tools --tool-args-json '{"query":"send an email"}' ${auth}
deno task inspector --cli "${mcpUrl}?mode=dynamic" --method tools/call \\
  --tool-name call-tool --tool-args-json \\
  '{"name":"gmail_send-email","arguments":{"to":"ada@example.com","subject":"Hi"}}' ${auth}

# Reconnect the broken Slack connection from the chat: connect-app returns a link; opening it
# "connects" Slack in this sample API, and the next call sees Slack's tools
deno task inspector --cli "${mcpUrl}?mode=dynamic" --method tools/call \\
  --tool-name connect-app --tool-args-json '{"app":"slack"}' ${auth}

# Your chats and their sessions, then one chat
curl -s -H "Authorization: Bearer $MCP_TOKEN" ${mcpUrl}/sessions
curl -s -H "Authorization: Bearer $MCP_TOKEN" ${mcpUrl}/sessions/demo-chat

# SDK client: save as client.ts, then: deno run --allow-net=127.0.0.1 --allow-env client.ts
${sdkSnippet}

# SDK 2.x client, protocol 2026-07-28 (stateless), with URL-mode elicitation: save as
# client2.ts, then: deno run --allow-net=127.0.0.1 --allow-env client2.ts
${modernSnippet}

# Claude Desktop (claude_desktop_config.json), through mcp-remote (needs Node.js):
${claude}

Press Ctrl+C to stop.`;
}

async function main(): Promise<void> {
  const fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  let config;
  try {
    config = loadConfig({
      ...Deno.env.toObject(),
      HOST: "127.0.0.1",
      PORT: Deno.env.get("PORT") || "3000",
      INTEGRATION_APP_API_URL: fake.url,
      KV_PATH: ":memory:",
    });
  } catch (error) {
    await fake.stop();
    if (error instanceof ConfigError) {
      // deno-lint-ignore no-console
      console.error(error.message);
      Deno.exit(1);
    }
    throw error;
  }
  const kv = await Deno.openKv(":memory:");
  const logger = createLogger(config.logLevel);
  const services = createServices({
    config,
    kv,
    logger,
    apiFactory: createIntegrationAppApiFactory(apiOptionsFromConfig(config)),
  });
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve(
      { hostname: config.host, port: config.port, onListen() {} },
      createHandler(services),
    );
  } catch (error) {
    await fake.stop();
    kv.close();
    if (error instanceof Deno.errors.AddrInUse) {
      // deno-lint-ignore no-console
      console.error(`Cannot listen on port ${config.port}: it is in use. Set PORT to another.`);
      Deno.exit(1);
    }
    throw error;
  }
  const mcpUrl = `http://127.0.0.1:${server.addr.port}/mcp`;
  const token = await fake.token("alice", { expiresInSeconds: TOKEN_HOURS * 60 * 60 });
  print(instructions(mcpUrl, fake.url, token));
  print();
  logger.info("listening", { url: mcpUrl, api: fake.url });

  const stop = async (): Promise<void> => {
    await server.shutdown();
    await services.background.drain();
    await fake.stop();
    kv.close();
    Deno.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, () => void stop());
    } catch {
      // SIGTERM does not exist on Windows.
    }
  }
  await server.finished;
}

if (import.meta.main) await main();
