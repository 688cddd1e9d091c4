/**
 * A custom-callback stand-in: run as a Worker with read access to its own
 * file only, it tries to write, connect, run, read env and read its file, and
 * posts back `"ok"` or the error name for each.
 *
 * @module
 */
/// <reference lib="deno.worker" />

async function attempt(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return "ok";
  } catch (error) {
    return (error as Error).name;
  }
}

self.onmessage = async (e: MessageEvent<{ tmp: string; self: string }>) => {
  const { tmp, self: file } = e.data;
  self.postMessage({
    write: await attempt(() =>
      Deno.writeTextFileSync(`${tmp}/worker.txt`, "x")
    ),
    connect: await attempt(async () =>
      (await Deno.connect({ hostname: "127.0.0.1", port: 5064 })).close()
    ),
    fetch: await attempt(() => fetch("http://127.0.0.1:5064/")),
    run: await attempt(() => new Deno.Command("true").outputSync()),
    env: await attempt(() => Deno.env.get("HOME")),
    readSelf: await attempt(() => Deno.readTextFileSync(file)),
    readOther: await attempt(() => Deno.readTextFileSync("/etc/hostname")),
  });
};
