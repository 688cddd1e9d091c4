/**
 * The plot server's Worker: `fws plot` serves the page from here, with no
 * permission but `net` on 127.0.0.1, so the main thread can drop all of its
 * own and the server can still listen again after the OS refused an accept
 * (see `serveLoopback` in plot.ts). Messages: `start` (the run, the options)
 * → `listening` (url, port) or `failed` (message); `close` → `closed`.
 *
 * @module
 */
import {
  type PlotServer,
  type PlotWorkerReply,
  type PlotWorkerRequest,
  startPlotServer,
} from "./plot.ts";

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<PlotWorkerRequest>) => void) | null;
  postMessage(reply: PlotWorkerReply): void;
  close(): void;
};

let server: PlotServer | undefined;

scope.onmessage = async (e) => {
  const request = e.data;
  if (request.type === "start") {
    try {
      server = await startPlotServer(request.run, request.options);
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
