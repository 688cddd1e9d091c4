/**
 * `--custom-callback`: hooks run in a sandboxed Worker. A hook that throws,
 * hangs or tries to write is stopped and reported on SCAN:MSG; the daemon
 * carries on. The daemon runs as a real process (worker permissions need
 * `--unstable-worker-options`). Under `-P=daemon` alone it may not start
 * itself, so the Worker runs inside it (with a warning); granted
 * `--allow-run=<this deno>`, each call has a process of its own and a hook
 * that exhausts its heap ends only that process.
 */
import { CustomCallbackHost } from "../../lib/daemon/custom_callback.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../support/assert.ts";
import { text } from "./rig.ts";
import { nextFinalState } from "./subprocess.ts";
import { startHookRig } from "./hook_rig.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

async function scenario(
  hook: string,
  expectMsg: RegExp | null,
  extra: { args?: string[]; flags?: string[] } = {},
): Promise<string> {
  const rig = await startHookRig(FIXTURES + hook, {
    args: ["--hook-timeout", "1", ...(extra.args ?? [])],
    flags: extra.flags,
  });
  const { ca, daemon, dir, pv } = rig;
  try {
    for (let round = 0; round < 2; round++) {
      const final = nextFinalState(ca, pv("scan.state"), 40);
      await ca.put(pv("scan.start"), 1, { wait: true });
      assertEquals(
        await final,
        "DONE",
        `${hook} round ${round}: ${daemon.stderr()}`,
      );
      const msg = text((await ca.get(pv("scan.msg"))).value);
      if (expectMsg) assertMatch(msg, expectMsg);
      else assert(!/failed/.test(msg), msg);
    }
    const files = [...Deno.readDirSync(`${dir}/data`)].map((e) => e.name);
    assertEquals(
      files.filter((f) => f.endsWith(".h5")).length,
      2,
      files.join(","),
    );
    assert(!files.some((f) => f.endsWith(".evil")), "the hook could not write");
    daemon.child.kill("SIGTERM");
    assertEquals((await daemon.exited(8)).code, 0);
    return await rig.log();
  } finally {
    await rig.close();
  }
}

Deno.test("custom callback: good, throwing, hanging and writing hooks; the daemon carries on", async () => {
  // two daemons at a time keeps a loaded CI machine responsive
  const [okLog, throwLog] = await Promise.all([
    scenario("hooks_ok.js", null),
    scenario(
      "hooks_throw.js",
      /custom post callback failed: Error: boom from the hook/,
    ),
  ]);
  const [hangLog, writeLog] = await Promise.all([
    scenario(
      "hooks_hang.js",
      /custom pre callback failed: stopped: no answer within 1 s/,
    ),
    scenario(
      "hooks_write.ts",
      /custom post callback failed: NotCapable: Requires write access/,
    ),
  ]);
  assertMatch(okLog, /custom post callback: post completed \d+/);
  assertMatch(okLog, /custom pre callback: pre 7 step/);
  // -P=daemon may not start this deno: the hooks run in the daemon, said once
  assertEquals(
    okLog.match(
      /custom callbacks run inside the daemon: their memory is not bounded/g,
    )
      ?.length,
    1,
    okLog,
  );
  assertMatch(okLog, /grant --allow-run=\//);
  assertMatch(throwLog, /boom from the hook/);
  assertMatch(hangLog, /no answer within 1 s/);
  assertMatch(writeLog, /Requires write access/);
  assertMatch(writeLog, /custom pre callback failed: .*(net|blocked|Requires)/);
});

Deno.test("custom callback: a hook that exhausts its heap, in its own process, ends only that call; the requests go on to DONE", async () => {
  const log = await scenario(
    "hooks_heap.js",
    /custom pre callback failed: stopped: ran out of memory \(heap limit 128 MB\)/,
    {
      args: ["--hook-memory", "128"],
      flags: [`--allow-run=${Deno.execPath()}`],
    },
  );
  assertEquals(
    log.match(
      /failed on requestStarted: custom pre callback failed: stopped: ran out of memory/g,
    )?.length,
    2,
    log,
  );
  assert(!/run inside the daemon/.test(log), "each call had its own process");
  // what it printed is logged, without V8's report of its death
  assertMatch(log, /custom pre callback printed: about to fill the heap/);
  assert(!/Last few GCs|C stack trace/.test(log), log);
});

Deno.test("custom callback: a module without hooks or missing is refused at start-up", async () => {
  await assertRejects(
    () => CustomCallbackHost.load(FIXTURES + "does_not_exist.js"),
    /no such file/,
  );
});
