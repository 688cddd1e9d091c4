/**
 * The plot server's Worker: `fws plot` serves the page from here, with no
 * permission but `net` on 127.0.0.1, so the main thread can drop all of its
 * own and the server can still listen again after the OS refused an accept
 * (see `serveLoopback` in plot.ts). Messages: `start` (the run, the options)
 * → `listening` (url, port) or `failed` (message); `close` → `closed`.
 *
 * @module
 */
import { type PlotWorkerRequest, startPlotServer } from "./plot.ts";
import { answerInWorker } from "./lib/server_worker.ts";

answerInWorker<Extract<PlotWorkerRequest, { type: "start" }>>((request) =>
  startPlotServer(request.run, request.options)
);
