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
import {
  type LivePlotServer,
  type LiveWorkerReply,
  type LiveWorkerRequest,
  startLivePlotServer,
} from "./plot_live.ts";
import { dropPermissions } from "./lib/permissions.ts";

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<LiveWorkerRequest>) => void) | null;
  postMessage(reply: LiveWorkerReply): void;
  close(): void;
};

let server: LivePlotServer | undefined;

scope.onmessage = async (e) => {
  const request = e.data;
  if (request.type === "start") {
    try {
      const { loadH5 } = await import("./lib/hdf5/h5_fs.ts");
      await loadH5();
      await dropPermissions(["env"]);
      server = await startLivePlotServer(request.options);
      scope.postMessage({
        type: "listening",
        url: server.url,
        port: server.port,
      });
    } catch (error) {
      scope.postMessage({
        type: "failed",
        message: error instanceof Error ? error.message : String(error),
      });
    }
  } else if (request.type === "close") {
    await server?.close();
    scope.postMessage({ type: "closed" });
    scope.close();
  }
};
