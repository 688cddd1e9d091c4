/**
 * The live plot server's Worker: `fws plot --live` follows the scanner and
 * serves the page from here, holding `net` (loopback and the Channel Access
 * addresses) and `read` (the finished file) only, so the main thread can
 * drop all of its own permissions. It is started with `env` too, which it
 * gives up as soon as the HDF5 library is loaded (emscripten copies the
 * environment once, when it starts). Messages: `start` (the options) →
 * `listening` (url, port) or `failed` (message); `close` → `closed`.
 *
 * @module
 */
import { type LiveWorkerRequest, startLivePlotServer } from "./plot_live.ts";
import { dropPermissions } from "./lib/permissions.ts";
import { answerInWorker } from "./lib/server_worker.ts";

answerInWorker<Extract<LiveWorkerRequest, { type: "start" }>>(
  async (request) => {
    const { loadH5 } = await import("./lib/hdf5/h5_fs.ts");
    await loadH5();
    await dropPermissions(["env"]);
    return await startLivePlotServer(request.options);
  },
);
