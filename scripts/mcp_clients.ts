/**
 * The real MCP clients this project runs against its server (the MCP Inspector CLI and the
 * official conformance suite), installed from the committed, locked tree in `clients/`
 * (`package.json` + `package-lock.json`, `npm ci`) and run with Deno. Nothing is resolved
 * afresh: a new release of any of their dependencies cannot change what runs.
 *
 * As a command (`deno task inspector …`, `deno task conformance …`) it installs the tree when
 * needed and runs the tool with the remaining arguments; `install` only installs it (CI).
 *
 * @module
 */

/** The folder with the pinned clients' package.json and package-lock.json. */
export const CLIENTS_DIR: string = new URL("../clients/", import.meta.url).pathname;

/** The clients that can be run, by the npm package that provides them. */
export const CLIENT_PACKAGES = {
  inspector: "@modelcontextprotocol/inspector",
  conformance: "@modelcontextprotocol/conformance",
} as const;

/** A client name: `inspector` or `conformance`. */
export type ClientName = keyof typeof CLIENT_PACKAGES;

/** Raised when the pinned tree cannot be installed; the message is one line with the reason. */
export class ClientInstallError extends Error {
  override name = "ClientInstallError";
}

function print(line: string): void {
  // deno-lint-ignore no-console
  console.error(line);
}

async function modifiedAt(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).mtime?.getTime();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Installs the locked tree with `npm ci` unless `clients/node_modules` already holds it (npm
 * writes `node_modules/.package-lock.json` after an install; it must be newer than the lock).
 */
export async function ensureClientsInstalled(options: { quiet?: boolean } = {}): Promise<void> {
  const lock = await modifiedAt(`${CLIENTS_DIR}package-lock.json`);
  if (lock === undefined) throw new ClientInstallError("clients/package-lock.json is missing");
  const installed = await modifiedAt(`${CLIENTS_DIR}node_modules/.package-lock.json`);
  if (installed !== undefined && installed >= lock) return;
  if (!options.quiet) print("Installing the pinned MCP clients (npm ci in clients/)…");
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("npm", {
      args: ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
      cwd: CLIENTS_DIR,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "npm is not installed (it comes with Node.js)"
      : String(error);
    throw new ClientInstallError(`Cannot install the pinned MCP clients: ${reason}`);
  }
  if (!output.success) {
    const text = new TextDecoder().decode(output.stderr).split("\n")
      .filter((line) => line.includes("npm error") && line.trim() !== "npm error");
    throw new ClientInstallError(
      `Cannot install the pinned MCP clients: npm ci exited with ${output.code}: ` +
        (text.slice(0, 3).join(" ").replace(/\s+/g, " ") || "no error output"),
    );
  }
}

/** The file a client's command runs, read from its package's `bin`. */
export async function clientEntry(name: ClientName): Promise<string> {
  const packageDir = `${CLIENTS_DIR}node_modules/${CLIENT_PACKAGES[name]}/`;
  const manifest = JSON.parse(await Deno.readTextFile(`${packageDir}package.json`)) as {
    bin?: string | Record<string, string>;
  };
  const bin = typeof manifest.bin === "string"
    ? manifest.bin
    : manifest.bin?.[name === "inspector" ? "mcp-inspector" : name];
  if (!bin) throw new ClientInstallError(`${CLIENT_PACKAGES[name]} declares no command`);
  return new URL(bin, `file://${packageDir}`).pathname;
}

/**
 * The `deno` arguments that run a client from the pinned tree (Deno uses the installed
 * `node_modules` as it is, through `clients/deno.json`), followed by the client's arguments.
 */
export async function clientCommand(name: ClientName, args: string[]): Promise<string[]> {
  return ["run", "-A", "--config", `${CLIENTS_DIR}deno.json`, await clientEntry(name), ...args];
}

async function main(): Promise<number> {
  const [name, ...args] = Deno.args;
  if (name !== "inspector" && name !== "conformance" && name !== "install") {
    print("Usage: deno task inspector|conformance [arguments of the tool]");
    return 2;
  }
  try {
    await ensureClientsInstalled();
  } catch (error) {
    if (!(error instanceof ClientInstallError)) throw error;
    print(error.message);
    return 1;
  }
  if (name === "install") return 0;
  const child = new Deno.Command("deno", {
    args: await clientCommand(name, args),
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return (await child.status).code;
}

if (import.meta.main) Deno.exit(await main());
