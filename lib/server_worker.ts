/**
 * A page server run in a Worker (`fws plot` and `fws plot --live`), both
 * sides of its protocol: the main thread sends `start`, waits for
 * `listening` or `failed`, and closes it with `close` → `closed`; the Worker
 * answers in order ({@link answerInWorker}).
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

/**
 * Serves until SIGINT or SIGTERM, then closes the server: the end of
 * `fws plot` and `fws plot --live`. Returns the exit code, 0.
 */
export async function serveUntilStopped(
  server: { close(): Promise<void> },
  name = "fws plot",
): Promise<number> {
  console.log(`${name}: press Ctrl-C to stop`);
  const { promise: stopped, resolve } = Promise.withResolvers<void>();
  const onSignal = () => resolve();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  await stopped;
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.removeSignalListener("SIGTERM", onSignal);
  await server.close();
  console.log(`${name}: stopped`);
  return 0;
}

/**
 * The Worker's side: answers `start` by starting the server with `start`
 * (→ `listening` or `failed`) and `close` by closing it (→ `closed`), then
 * ends the Worker.
 */
export function answerInWorker<Start extends { type: "start" }>(
  start: (request: Start) => Promise<WorkerServer>,
): void {
  const scope = globalThis as unknown as {
    onmessage: ((e: MessageEvent<Start | { type: "close" }>) => void) | null;
    postMessage(reply: ServerWorkerReply): void;
    close(): void;
  };
  let server: WorkerServer | undefined;
  scope.onmessage = async (e) => {
    const request = e.data;
    if (request.type === "start") {
      try {
        server = await start(request as Start);
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
}
