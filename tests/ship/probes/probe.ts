/**
 * Permission probe, run by tests/ship/permissions_test.ts as a subprocess
 * under a deno.json permission set. It restricts itself to a subcommand's
 * profile (lib/permissions.ts), tries each action before and after, and
 * prints one JSON line: `{ "<action>": { before, after } }` where each value
 * is `"ok"` or the error's name.
 *
 * Usage: probe.ts <profile> <tmp_dir> [--serve] [--worker]
 *
 * @module
 */
import {
  dropPermissions,
  restrictPermissions,
  type Subcommand,
  withPermission,
} from "../../../lib/permissions.ts";

const [profileName, tmp, ...flags] = Deno.args;

type Outcome = string;

async function attempt(fn: () => unknown): Promise<Outcome> {
  try {
    await fn();
    return "ok";
  } catch (error) {
    return (error as Error).name;
  }
}

let counter = 0;
const actions: Record<string, () => unknown> = {
  write: () => Deno.writeTextFileSync(`${tmp}/probe_${counter++}.txt`, "x"),
  read: () => Deno.readTextFileSync(new URL(import.meta.url).pathname),
  mkdir: () => Deno.mkdirSync(`${tmp}/dir_${counter++}`),
  // xdg-open may be missing on the machine: NotFound means the permission
  // check passed; NotCapable means it was refused.
  run: () => new Deno.Command("xdg-open", { args: ["--version"] }).outputSync(),
  // a port nobody listens on: ConnectionRefused means the check passed
  connectLoopback: async () =>
    (await Deno.connect({ hostname: "127.0.0.1", port: 5064 })).close(),
  // TEST-NET-1, never routed: checked without waiting for a timeout
  connectRemote: async () => {
    const conn = await Promise.race([
      Deno.connect({ hostname: "192.0.2.1", port: 5064 }),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("timeout")), 300)
      ),
    ]);
    conn.close();
  },
  listen: () => Deno.listen({ hostname: "127.0.0.1", port: 0 }).close(),
};

const result: Record<string, { before?: Outcome; after?: Outcome }> = {};
for (const [name, fn] of Object.entries(actions)) {
  result[name] = { before: await attempt(fn) };
}

const profile = await restrictPermissions(profileName as Subcommand);
let server: Deno.HttpServer | undefined;
let served: Promise<void> | undefined;
if (flags.includes("--serve")) {
  // as fws plot does: bind first, then drop the start-up permissions
  let resolveServed = () => {};
  served = new Promise((r) => resolveServed = r);
  server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => {
      setTimeout(resolveServed, 0);
      return new Response("served");
    },
  );
}
await dropPermissions(profile.startup);
for (const [name, fn] of Object.entries(actions)) {
  result[name].after = await attempt(fn);
}
const refused = await withPermission(
  { command: `fws ${profileName}`, action: "listen on 127.0.0.1:0" },
  () => Deno.listen({ hostname: "127.0.0.1", port: 0 }).close(),
).then(() => "", (error) => `${error.name}: ${error.message}`);

let worker: Record<string, string> | undefined;
if (flags.includes("--worker")) {
  const file = new URL("./callback_worker.ts", import.meta.url);
  // Worker.deno.permissions is unstable (--unstable-worker-options): its
  // type is not in the stable lib, hence the cast.
  const options = {
    type: "module",
    deno: {
      permissions: {
        read: [file],
        write: false,
        net: false,
        run: false,
        env: false,
        sys: false,
        ffi: false,
      },
    },
  } as WorkerOptions;
  const w = new Worker(file, options);
  worker = await new Promise<Record<string, string>>((resolve, reject) => {
    w.onmessage = (e) => resolve(e.data);
    w.onerror = (e) => {
      e.preventDefault();
      reject(new Error(e.message));
    };
    w.postMessage({ tmp, self: file.pathname });
  });
  w.terminate();
}

console.log(JSON.stringify({
  result,
  refused,
  worker,
  port: (server?.addr as Deno.NetAddr | undefined)?.port,
}));
if (server && served) {
  const timer = setTimeout(() => Deno.exit(4), 10_000);
  await served;
  clearTimeout(timer);
  await server.shutdown();
}
