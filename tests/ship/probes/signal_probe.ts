/**
 * Preloaded (`deno run --preload`) into a real subcommand: on SIGUSR2 it
 * tries to read, write, start a process, connect and listen from inside the
 * running process — i.e. after the subcommand's start-up revocation — and
 * prints one line `PROBE {json}` with `"ok"` or the error name for each.
 *
 * Environment (read at preload, before any revocation): FWS_PROBE_TMP, a
 * directory to try writing into; FWS_PROBE_PORT, a closed TCP port on
 * 127.0.0.1 to try connecting to.
 *
 * @module
 */
const tmp = Deno.env.get("FWS_PROBE_TMP") ?? "/tmp";
const port = Number(Deno.env.get("FWS_PROBE_PORT") ?? "1");
const self = new URL(import.meta.url).pathname;

async function attempt(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return "ok";
  } catch (error) {
    return (error as Error).name;
  }
}

Deno.addSignalListener("SIGUSR2", async () => {
  const result = {
    read: await attempt(() => Deno.readTextFileSync(self)),
    write: await attempt(() =>
      Deno.writeTextFileSync(`${tmp}/signal_probe.txt`, "x")
    ),
    // xdg-open is the one program the union grants; NotFound (not
    // installed) still means the permission check passed
    run: await attempt(() =>
      new Deno.Command("xdg-open", { args: ["--version"] }).outputSync()
    ),
    // the one program a daemon with a custom callback may start: itself
    runSelf:
      Deno.permissions.querySync({ name: "run", command: Deno.execPath() })
        .state,
    connect: await attempt(async () =>
      (await Deno.connect({ hostname: "127.0.0.1", port })).close()
    ),
    // TEST-NET-1 (never routed): beyond loopback
    connectRemote: await attempt(async () => {
      const conn = await Promise.race([
        Deno.connect({ hostname: "192.0.2.1", port: 5064 }),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("timeout")), 500)
        ),
      ]);
      conn.close();
    }),
    listen: await attempt(() =>
      Deno.listen({ hostname: "127.0.0.1", port: 0 }).close()
    ),
  };
  console.log(`PROBE ${JSON.stringify(result)}`);
});

// On exit (Deno.exit dispatches "unload"), the same checks that can run
// synchronously, printed as `UNLOAD {json}`: for commands that end by
// themselves (inspect, ca get, demo --no-open).
function attemptSync(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (error) {
    return (error as Error).name;
  }
}

globalThis.addEventListener("unload", () => {
  const result = {
    read: attemptSync(() => Deno.readTextFileSync(self)),
    write: attemptSync(() =>
      Deno.writeTextFileSync(`${tmp}/unload_probe.txt`, "x")
    ),
    run: attemptSync(() =>
      new Deno.Command("xdg-open", { args: ["--version"] }).outputSync()
    ),
    listen: attemptSync(() =>
      Deno.listen({ hostname: "127.0.0.1", port: 0 }).close()
    ),
  };
  console.log(`UNLOAD ${JSON.stringify(result)}`);
});
