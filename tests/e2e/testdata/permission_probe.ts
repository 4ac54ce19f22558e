/**
 * Run with the server's permission flags: tries what the server must not be able to do (and
 * one thing it must) and prints `{name: "allowed" | "NotCapable"}` as JSON. Every target is
 * on this machine, so nothing leaves it even if a permission were wrongly granted.
 *
 * Arguments: the fake Integration.app URL, a file outside ./data to read, and one to write.
 *
 * @module
 */
const [apiUrl = "", readPath = "", writePath = ""] = Deno.args;

async function drain(response: Promise<Response>): Promise<void> {
  await (await response).body?.cancel();
}

const attempts: Record<string, () => unknown> = {
  "fetch Integration.app": () => drain(fetch(`${apiUrl}/self`)),
  "fetch another address": () => drain(fetch("http://127.0.0.2:8080/")),
  "fetch another name": () => drain(fetch(apiUrl.replace("127.0.0.1", "localhost"))),
  "connect to another address": async () =>
    (await Deno.connect({ hostname: "127.0.0.2", port: 8080 })).close(),
  "read outside ./data": () => Deno.readTextFile(readPath),
  "write outside ./data": () => Deno.writeTextFile(writePath, "probe"),
  "run a program": () => new Deno.Command("deno", { args: ["--version"] }).output(),
  "load a native library": () => Deno.dlopen("libc.so.6", {}).close(),
};

const results: Record<string, string> = {};
for (const [name, attempt] of Object.entries(attempts)) {
  try {
    await attempt();
    results[name] = "allowed";
  } catch (error) {
    // Any other error (refused connection, missing file) means the permission check passed.
    results[name] = error instanceof Deno.errors.NotCapable ? "NotCapable" : "allowed";
  }
}
// deno-lint-ignore no-console
console.log(JSON.stringify(results));
