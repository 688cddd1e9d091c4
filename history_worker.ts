/**
 * The history server's Worker: `fws history` serves the page from here,
 * with no permission but `read` of the data directory and `net` on
 * 127.0.0.1. Messages: `start` (the directory, the options) → `listening`
 * or `failed`; `close` → `closed`.
 *
 * @module
 */
import { type HistoryWorkerRequest, startHistoryServer } from "./history.ts";
import { answerInWorker } from "./lib/server_worker.ts";

answerInWorker<Extract<HistoryWorkerRequest, { type: "start" }>>((request) =>
  startHistoryServer(request.dir, request.options)
);
