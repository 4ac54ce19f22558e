/**
 * Reads the permission flags of `deno task start` (and friends) from deno.json and of the
 * Dockerfile's `CMD`, so tests run the server with exactly the permissions users get.
 *
 * @module
 */

/** The repository root, as a file path ending in `/`. */
export const ROOT_DIR: string = new URL("../../", import.meta.url).pathname;

/** deno.json of the repository. */
export const CONFIG_PATH: string = `${ROOT_DIR}deno.json`;

/** The server's entry point. */
export const MAIN_PATH: string = `${ROOT_DIR}main.ts`;

/** Reads the command of a task of deno.json. */
export async function readTask(name: string): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(CONFIG_PATH)) as {
    tasks?: Record<string, string | { command: string }>;
  };
  const task = config.tasks?.[name];
  if (task === undefined) throw new Error(`Task not found: ${name}`);
  return typeof task === "string" ? task : task.command;
}

/** Replaces `$NAME` the way `deno task` does (an unset variable becomes empty). */
export function expandVariables(command: string, env: Record<string, string>): string {
  return command.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => env[name] ?? "");
}

/** The flags between `deno run` and the entry point of a command such as a task's. */
export function runFlags(command: string, entry = "main.ts"): string[] {
  const words = command.trim().split(/\s+/);
  const run = words.indexOf("run");
  const end = words.indexOf(entry);
  if (words[0] !== "deno" || run !== 1 || end < run) {
    throw new Error(`Cannot read flags: not "deno run … ${entry}": ${command}`);
  }
  return words.slice(run + 1, end);
}

/** The permission flags (`--allow-*`, `-A`, …) among `flags`. */
export function permissionFlags(flags: string[]): string[] {
  return flags.filter((flag) => /^(--allow-|--deny-|-A$|-[A-Z]$|-[A-Z]=)/.test(flag));
}

/** The values of a permission flag, e.g. `["0.0.0.0", "api.integration.app"]` for net. */
export function flagValues(flags: string[], name: string): string[] | "all" | undefined {
  for (const flag of flags) {
    if (flag === `--allow-${name}`) return "all";
    if (flag.startsWith(`--allow-${name}=`)) {
      return flag.slice(`--allow-${name}=`.length).split(",");
    }
  }
  return undefined;
}

/** Replaces the values of one permission flag. */
export function withFlagValues(flags: string[], name: string, values: string[]): string[] {
  return flags.map((flag) =>
    flag === `--allow-${name}` || flag.startsWith(`--allow-${name}=`)
      ? `--allow-${name}=${values.join(",")}`
      : flag
  );
}

/** The `deno run` flags of the Dockerfile's `CMD ["run", …, "main.ts"]`. */
export function dockerCmdFlags(dockerfile: string): string[] {
  const line = dockerfile.split("\n").find((l) => /^CMD\s+\[/.test(l));
  if (!line) throw new Error("Cannot read the Dockerfile: no CMD in exec form");
  const args = JSON.parse(line.replace(/^CMD\s+/, "")) as string[];
  return runFlags(["deno", ...args].join(" "));
}
