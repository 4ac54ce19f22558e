/**
 * Startup checks of Deno permissions, so the server fails at once with the flag to add
 * instead of on the first request that needs a missing permission.
 *
 * @module
 */
import type { Config } from "./config.ts";

/** Whether the whole environment can be read (`--allow-env` without a list of names). */
export function canReadEnvironment(): boolean {
  return Deno.permissions.querySync({ name: "env" }).state === "granted";
}

/** `host:port` as Deno's net permission spells it (IPv6 addresses in brackets). */
function netTarget(hostname: string, port: number): string {
  const host = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
  return `${host}:${port}`;
}

/** `host:port` of a URL, with the scheme's default port when it names none. */
function urlNetTarget(url: string): string {
  const parsed = new URL(url);
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
  return netTarget(parsed.hostname, port);
}

function folderOf(path: string): string {
  const slash = path.lastIndexOf("/");
  if (slash < 0) return ".";
  return slash === 0 ? "/" : path.slice(0, slash);
}

async function granted(descriptor: Deno.PermissionDescriptor): Promise<boolean> {
  return (await Deno.permissions.query(descriptor)).state === "granted";
}

/**
 * Lists the permissions `config` needs that this process lacks, each as the flag that grants
 * it and what it is for. Empty when nothing is missing.
 */
export async function missingPermissions(config: Config): Promise<string[]> {
  const missing: string[] = [];
  const listen = netTarget(config.host, config.port);
  if (!(await granted({ name: "net", host: listen }))) {
    missing.push(`--allow-net=${config.host} (listen on ${listen})`);
  }
  const api = urlNetTarget(config.apiUrl);
  if (!(await granted({ name: "net", host: api }))) {
    const host = new URL(config.apiUrl).host;
    missing.push(
      `--allow-net=${host} (reach Integration.app at ${config.apiUrl}; with deno task: ` +
        `INTEGRATION_APP_API_HOST=${host} deno task start:custom)`,
    );
  }
  const kvPath = config.kvPath;
  if (kvPath !== undefined && kvPath !== ":memory:") {
    if (/^https?:\/\//.test(kvPath)) {
      const target = urlNetTarget(kvPath);
      if (!(await granted({ name: "net", host: target }))) {
        missing.push(`--allow-net=${new URL(kvPath).host} (Deno KV at ${kvPath})`);
      }
    } else {
      const folder = folderOf(kvPath);
      const canRead = await granted({ name: "read", path: folder });
      const canWrite = await granted({ name: "write", path: folder });
      if (!canRead || !canWrite) {
        missing.push(
          `--allow-read=${folder} --allow-write=${folder} (Deno KV at ${kvPath}, with its ` +
            `-wal and -shm files beside it)`,
        );
      }
    }
  }
  return missing;
}
