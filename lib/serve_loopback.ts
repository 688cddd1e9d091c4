/**
 * `Deno.serve` on 127.0.0.1 that outlives a failed accept, for the plot
 * servers (`fws plot` and `fws plot --live`).
 *
 * @module
 */

/** How long a server that stopped accepting waits before it listens again. */
const RELISTEN_DELAY_MS = [100, 500, 1000, 2000, 5000];

/**
 * `Deno.serve` on 127.0.0.1 that outlives a failed accept: when the OS
 * refuses one (EMFILE under a flood of connections), Deno's server stops;
 * this logs it and listens again on the same port after a short delay,
 * backing off while the refusal lasts.
 */
export function serveLoopback(
  port: number,
  handler: (req: Request) => Response | Promise<Response>,
): { port: number; shutdown(): Promise<void> } {
  let closing = false;
  let current: Deno.HttpServer<Deno.NetAddr>;
  const listen = (p: number) =>
    Deno.serve({ hostname: "127.0.0.1", port: p, onListen: () => {} }, handler);
  const watch = (server: Deno.HttpServer<Deno.NetAddr>) => {
    server.finished.catch(async (error) => {
      for (let attempt = 0; !closing; attempt++) {
        const wait = RELISTEN_DELAY_MS[
          Math.min(attempt, RELISTEN_DELAY_MS.length - 1)
        ];
        console.error(
          `fws plot: the server stopped accepting connections (${
            error instanceof Error ? error.message : error
          }); listening again on 127.0.0.1:${bound} in ${wait} ms`,
        );
        await new Promise((r) => setTimeout(r, wait));
        if (closing) return;
        try {
          current = listen(bound);
          console.error(`fws plot: listening again on 127.0.0.1:${bound}`);
          watch(current);
          return;
        } catch (retry) {
          error = retry;
        }
      }
    });
  };
  current = listen(port);
  const bound = current.addr.port;
  watch(current);
  return {
    port: bound,
    async shutdown() {
      closing = true;
      await current.shutdown().catch(() => {});
    },
  };
}
