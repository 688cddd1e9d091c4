/**
 * The main thread's side of a page server run in a Worker (`fws plot` and
 * `fws plot --live`): sends `start`, waits for `listening` or `failed`, and
 * closes it with `close` → `closed`. The Worker answers in order.
 *
 * @module
 */

/** What a page server's Worker answers. */
export type ServerWorkerReply =
  | { type: "listening"; url: string; port: number }
  | { type: "failed"; message: string }
  | { type: "closed" };

/** A page server running in a Worker. */
export interface WorkerServer {
  /** `http://127.0.0.1:<port>/`. */
  url: string;
  port: number;
  /** Stops the server and the Worker. */
  close(): Promise<void>;
}

/**
 * Starts the server of `worker` with the message `start`; rejects with the
 * Worker's reason when it fails (the Worker is then terminated).
 */
export function serverInWorker<Start extends { type: "start" }>(
  worker: Worker,
  start: Start,
): Promise<WorkerServer> {
  const replies: ((reply: ServerWorkerReply) => void)[] = [];
  const next = () =>
    new Promise<ServerWorkerReply>((resolve) => replies.push(resolve));
  worker.onmessage = (e: MessageEvent<ServerWorkerReply>) =>
    replies.shift()?.(e.data);
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    replies.shift()?.({ type: "failed", message: e.message });
  };
  const started = next();
  worker.postMessage(start);
  return started.then((reply) => {
    if (reply.type !== "listening") {
      worker.terminate();
      throw new Error(
        reply.type === "failed" ? reply.message : "the server did not start",
      );
    }
    return {
      url: reply.url,
      port: reply.port,
      async close() {
        const closed = next();
        worker.postMessage({ type: "close" });
        await closed;
        worker.terminate();
      },
    };
  });
}
