/**
 * The live plot server's Worker: `fws plot --live` follows the scanner and
 * serves the page from here, holding `net` (loopback and the Channel Access
 * addresses) and `read` (the finished file) only, so the main thread can
 * drop all of its own permissions. Messages: `start` (the options) →
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
