import assert from "node:assert/strict";
import { isRequestId } from "./request_rules.ts";
import { parseJSONRPCMessage } from "../sdk/server.ts";

Deno.test("a request id is one the SDK accepts: a string or a safe integer", () => {
  for (const id of ["a", "", 0, 7, -3, Number.MAX_SAFE_INTEGER, 1e20, 1.5, null, true, {}]) {
    let sdkAccepts = true;
    try {
      parseJSONRPCMessage({ jsonrpc: "2.0", id, method: "tools/list" });
    } catch {
      sdkAccepts = false;
    }
    assert.equal(isRequestId(id), sdkAccepts, `id ${JSON.stringify(id)}`);
  }
});
