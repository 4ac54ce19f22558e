/**
 * Worker hosting the benchmark's replay server (the floor of a warm connect + list), on a
 * thread of its own like the fake API and the clients.
 *
 * @module
 */
import { ReplayServer } from "./replay_server.ts";
import { serveRpc } from "../tests/support/worker_rpc.ts";

let replay: ReplayServer | undefined;

serveRpc({
  /** Starts recording in front of `target`; returns the replay server's URL. */
  start(params: { target: string }) {
    replay = new ReplayServer(params.target);
    return { url: replay.url };
  },
  /** Answers from memory from now on; returns what was recorded. */
  replay() {
    if (!replay) throw new Error("Replay server is not started");
    replay.replay();
    return { recorded: replay.recorded };
  },
  async stop() {
    await replay?.stop();
    replay = undefined;
  },
});
