/**
 * `GET /api/live` — the followed scanner as server-sent events (under
 * `fws plot --live` only): first a `snapshot` of everything so far, then
 * each change as it arrives over Channel Access (see
 * `islands/shared/live_events.ts`); the stream ends when the client goes
 * (the body is cancelled) or the server closes. A client that falls behind by more than
 * {@link MAX_QUEUED} bytes is dropped; its EventSource reconnects and gets a
 * fresh snapshot.
 *
 * @module
 */
import {
  NotFound,
  type RouteContext,
  type RouteHandlers,
} from "../_lib/context.ts";
import { encodeSse } from "../../islands/shared/live_events.ts";

/** Bytes a client may lag behind before it is dropped. */
export const MAX_QUEUED = 64 * 1024 * 1024;

/** Milliseconds between keep-alive comments. */
const KEEPALIVE_MS = 15_000;

/** The handlers. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext): Response {
    const live = ctx.live;
    if (!live) {
      throw new NotFound(
        "fws plot: /api/live is served under `fws plot --live` only",
      );
    }
    const encoder = new TextEncoder();
    let stop = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let closed = false;
        const close = () => {
          if (closed) return;
          closed = true;
          unsubscribe();
          clearInterval(keepalive);
          try {
            controller.close();
          } catch {
            // already closed
          }
        };
        const send = (text: string) => {
          if (closed) return;
          if ((controller.desiredSize ?? 0) < -MAX_QUEUED) return close();
          controller.enqueue(encoder.encode(text));
        };
        // reconnect quickly after the server comes back
        send("retry: 500\n\n");
        const now = Date.now();
        send(encodeSse({
          type: "snapshot",
          snapshot: live.snapshot(),
          ca: now,
          recv: now,
        }));
        const unsubscribe = live.subscribe((event) =>
          event ? send(encodeSse(event)) : close()
        );
        const keepalive = setInterval(
          () => send(": keep-alive\n\n"),
          KEEPALIVE_MS,
        );
        stop = close;
      },
      cancel() {
        stop();
      },
    }, { highWaterMark: 0, size: (chunk: Uint8Array) => chunk.byteLength });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  },
};
