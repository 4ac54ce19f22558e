/**
 * Opening Deno KV from the configuration.
 *
 * @module
 */

/** Opens KV at `path`: a file (its folder is created), `:memory:`, a URL, or Deno's default. */
export async function openKv(path: string | undefined): Promise<Deno.Kv> {
  if (path === undefined) return await Deno.openKv();
  if (path !== ":memory:" && !/^https?:\/\//.test(path)) {
    const folder = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
    if (folder) await Deno.mkdir(folder, { recursive: true });
  }
  return await Deno.openKv(path);
}
