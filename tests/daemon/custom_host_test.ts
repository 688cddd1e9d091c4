/**
 * CustomCallbackHost and CustomHookCallback in this process (deno.json turns
 * on worker permissions; `-P=test` may start this deno, so each call has a
 * process of its own): hooks run in a Worker that may read the module and
 * the scan file, nothing else, and are stopped when they hang, exhaust their
 * memory or go after the process they run in.
 */
import {
  CustomCallbackHost,
  type HookResult,
  MAX_HOOK_RESULT,
} from "../../lib/daemon/custom_callback.ts";
import { CustomHookCallback } from "../../lib/daemon/callbacks/custom.ts";
import type { ScanEvent } from "../../lib/scan/events.ts";
import type { ScanRun } from "../../lib/scan/model.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../support/assert.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
const PRE = {
  scannerIndex: 4,
  testMode: true,
  config: { mode: "step" },
  startTime: "t0",
};

const POST = {
  ...PRE,
  status: "completed" as const,
  message: "",
  endTime: "",
  file: "",
  fits: {},
};

Deno.test("custom host: good hooks get their info; the post hook reads the scan file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/scan.h5`;
    await Deno.writeTextFile(file, "0123456789");
    const host = await CustomCallbackHost.load(FIXTURES + "hooks_ok.js", {
      timeout: 5,
    });
    assert(host.hasPre && host.hasPost);
    assertEquals(await host.pre(PRE), { ok: true, message: "pre 4 step" });
    const post = await host.post({ ...POST, file });
    assertEquals(post, { ok: true, message: "post completed 10" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("custom host: throwing, hanging, writing and networking hooks are stopped and reported", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/scan.h5`;
    await Deno.writeTextFile(file, "data");
    const post = {
      ...PRE,
      status: "completed" as const,
      message: "",
      endTime: "",
      file,
      fits: {},
    };
    const thrower = await CustomCallbackHost.load(FIXTURES + "hooks_throw.js");
    const t = await thrower.post(post);
    assertEquals(t.ok, false);
    assertMatch(t.message, /boom from the hook/);
    assertEquals(
      await thrower.pre(PRE),
      { ok: true, message: "" },
      "no pre hook: nothing to do",
    );

    const hanger = await CustomCallbackHost.load(FIXTURES + "hooks_hang.js", {
      timeout: 0.3,
    });
    const t0 = performance.now();
    const h = await hanger.pre(PRE);
    assertEquals(h.ok, false);
    assertMatch(h.message, /no answer within 0\.3 s/);
    assert(performance.now() - t0 < 2000);

    const writer = await CustomCallbackHost.load(FIXTURES + "hooks_write.ts");
    const w = await writer.post(post);
    assertEquals(w.ok, false);
    assertMatch(w.message, /NotCapable: Requires write access/);
    let evil = true;
    try {
      await Deno.stat(`${file}.evil`);
    } catch {
      evil = false;
    }
    assert(!evil, "the hook could not write next to the scan file");
    const n = await writer.pre(PRE);
    assertEquals(n.ok, false);
    assertMatch(n.message, /net|blocked|Requires/);

    await assertRejects(
      () => CustomCallbackHost.load(FIXTURES + "hooks_none.js"),
      /expected an export getPreCallback and\/or getPostCallback/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("custom hook callback: failures become errors naming the hook; fits are passed on", async () => {
  const host = await CustomCallbackHost.load(FIXTURES + "hooks_throw.js");
  const callback = new CustomHookCallback(host);
  const run = {
    scannerIndex: 4,
    testMode: true,
    scanArgs: { mode: "step" },
    startTime: "t0",
  } as unknown as ScanRun;
  await callback.handle(
    { type: "requestStarted", run } as unknown as ScanEvent,
  );
  await callback.handle({
    type: "fitsComputed",
    record: { name: "scan_001" },
    fits: {
      PDB: {
        ok: true,
        center: 0.3,
        centerErr: 0.01,
        sigma: 1.2,
        sigmaErr: 0.01,
        amplitude: 1,
        offset: 0,
        chi2Red: 1,
      },
    },
  } as unknown as ScanEvent);
  await callback.handle({
    type: "requestFinished",
    status: "completed",
    message: "ok",
    endTime: "t1",
    scansWritten: 1,
  });
  await assertRejects(
    async () =>
      await callback.handle({ type: "fileClosed", path: "/nonexistent.h5" }),
    /custom post callback failed: Error: boom from the hook/,
  );
});

Deno.test("custom host: a hook cannot reset its timeout, forge an answer, start Workers or flood the log", async () => {
  const host = await CustomCallbackHost.load(FIXTURES + "hooks_hostile.js", {
    timeout: 0.4,
  });
  const t0 = performance.now();
  const forged = await host.pre(PRE);
  const took = performance.now() - t0;
  assertEquals(forged.ok, false);
  assertMatch(forged.message, /stopped: no answer within 0\.4 s/);
  assert(took < 3000, `stopped after ${took} ms despite the hook's messages`);
  const post = {
    ...PRE,
    status: "completed" as const,
    message: "spawn",
    endTime: "",
    file: "",
    fits: {},
  };
  const spawned = await host.post(post);
  assertEquals(spawned.ok, false);
  assertMatch(spawned.message, /Worker is not defined/);
  const big = await host.post({ ...post, message: "" });
  assertEquals(big.ok, true);
  assert(
    big.message.length < MAX_HOOK_RESULT + 100,
    `${big.message.length} characters`,
  );
  assertMatch(big.message, new RegExp(`cut at ${MAX_HOOK_RESULT} characters`));
});

/**
 * MB this test process (standing in for the daemon) may grow by while the
 * hooks run: far below what they take (128 MB of heap, a 4 GiB buffer).
 */
const SELF_RSS_GROWTH_MB = 200;

Deno.test("custom host: a hook that exhausts its heap, allocates 4 GiB, loops, exits, forges the protocol or floods ends that call only", async () => {
  const timeout = 2;
  const memory = await CustomCallbackHost.load(FIXTURES + "hooks_memory.js", {
    timeout,
    memory: 128,
  });
  assertEquals(memory.uncaged, undefined, "each call in a process of its own");
  assertEquals(memory.memory, 128);
  const process = await CustomCallbackHost.load(
    FIXTURES + "hooks_process.js",
    { timeout },
  );
  const good = await CustomCallbackHost.load(FIXTURES + "hooks_ok.js", {
    timeout,
  });
  const post = (message: string) => process.post({ ...POST, message });
  const cases: [string, () => Promise<HookResult>, RegExp][] = [
    [
      "heap hog",
      () => memory.pre(PRE),
      /^stopped: ran out of memory \(heap limit 128 MB\)$/,
    ],
    [
      "4 GiB buffer",
      () => memory.post(POST),
      /^stopped: used more than 256 MB of memory$/,
    ],
    ["busy loop", () => process.pre(PRE), /^stopped: no answer within 2 s/],
    ["Deno.exit(0)", () => post("exit"), /^stopped: no answer within 2 s/],
    ["forged stdout", () => post("forge"), /^stopped: no answer within 2 s/],
    ["stdout flood", () => post("print"), /^stopped: printed more than 1 MiB$/],
    [
      "postMessage flood",
      () => post("flood"),
      /^stopped: no answer within 2 s/,
    ],
  ];
  // growth, not the total: this test process holds whatever ran before
  const baseline = Deno.memoryUsage().rss / 2 ** 20;
  for (const [name, call, expected] of cases) {
    const t0 = performance.now();
    const result = await call();
    const took = performance.now() - t0;
    assertEquals(result.ok, false, `${name}: ${result.message}`);
    assertMatch(result.message, expected, name);
    assert(
      took < (timeout + 2) * 1000,
      `${name}: ended after ${Math.round(took)} ms`,
    );
    const rss = Deno.memoryUsage().rss / 2 ** 20;
    assert(
      rss - baseline < SELF_RSS_GROWTH_MB,
      `${name}: this process grew from ${Math.round(baseline)} to ${
        Math.round(rss)
      } MB`,
    );
    assertEquals(
      await good.pre(PRE),
      { ok: true, message: "pre 4 step" },
      `the call after the ${name}`,
    );
  }
  assert(
    memory.lastPeakMb >= 256, // 256.3 MB reads 256
    `the 4 GiB buffer's process was stopped at ${memory.lastPeakMb} MB`,
  );
  const printed = await post("print");
  assert(
    (printed.output?.length ?? 0) < MAX_HOOK_RESULT + 100,
    `what the hook printed is cut: ${printed.output?.length} characters`,
  );
  assertEquals(
    await post("stdin"),
    { ok: true, message: "stdin gave nothing" },
    "the secret on stdin is read before the hook runs",
  );
  assertEquals(
    await post("partial"),
    {
      ok: true,
      message: "after a partial line",
      output: "a line the hook never ends",
    },
    "an unfinished line of the hook's does not swallow the answer",
  );
  assertEquals(await post("chatty"), {
    ok: true,
    message: "said something",
    output: "hello from the hook\na warning from the hook",
  });
  assert(process.lastPeakMb > 0 && process.lastPeakMb < 256);
});

Deno.test("custom host: in-process on request, as when the daemon may not start itself, and says so", async () => {
  const host = await CustomCallbackHost.load(FIXTURES + "hooks_ok.js", {
    inProcess: true,
  });
  assertMatch(host.uncaged ?? "", /asked to run in-process/);
  assertEquals(await host.pre(PRE), { ok: true, message: "pre 4 step" });
  assertEquals(host.lastPeakMb, 0);
});

Deno.test("fws __hook-host: hidden from the help; without a request on stdin it exits 2 saying what it expected", async () => {
  const { usage } = await import("../../main.ts");
  assert(!usage().includes("__hook-host"), "not in fws --help");
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", "--no-prompt", main, "__hook-host"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("not json"));
  await writer.close();
  const out = await child.output();
  assertEquals(out.code, 2);
  assertEquals(new TextDecoder().decode(out.stdout), "");
  assertMatch(
    new TextDecoder().decode(out.stderr),
    /__hook-host: expected one JSON request on stdin/,
  );
});

Deno.test("custom host: the post hook gets NaN and ±Infinity of a failed fit as they are, in its own process as in-process", async () => {
  const info = {
    ...POST,
    fits: {
      scan_001: {
        PDB: {
          ok: false,
          center: NaN,
          sigma: Infinity,
          sigmaErr: -Infinity,
          centerErr: 0.5,
        },
      },
    },
  };
  for (const inProcess of [false, true]) {
    const host = await CustomCallbackHost.load(FIXTURES + "hooks_fits.js", {
      inProcess,
    });
    assertEquals(host.uncaged === undefined, !inProcess);
    assertEquals(await host.post(info), {
      ok: true,
      message: "false NaN Infinity -Infinity 0.5",
    });
  }
});

Deno.test("hook process: started as this deno on main.ts with read of the module and the file only, and an environment of three variables", async () => {
  const { selfCommand } = await import("../../lib/daemon/hook_process.ts");
  const command = selfCommand(64);
  assert(command, "main.ts has a file: URL here");
  assertEquals(command.program, Deno.execPath());
  const args = command.args(["/m.js", "/scan.h5"]);
  assertEquals(args.filter((a) => /^--allow-|^-A$|^-P/.test(a)), [
    "--allow-read=/m.js,/scan.h5",
  ]);
  assertEquals(args.slice(-2), [
    new URL("../../main.ts", import.meta.url).pathname,
    "__hook-host",
  ]);
  assert(args.includes("--no-prompt") && args.includes("--no-config"));
  assertEquals(command.env.DENO_V8_FLAGS, "--max-old-space-size=64");
  for (const name of Object.keys(command.env)) {
    assert(
      ["DENO_V8_FLAGS", "NO_COLOR", "DENO_DIR"].includes(name),
      `${name} is not passed to a hook's process`,
    );
  }
});

Deno.test("custom host: under deno run, a scan file whose path has a comma fails that call with the reason (deno's read list cannot hold it)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fws,comma-" });
  try {
    const file = `${dir}/scan.h5`;
    await Deno.writeTextFile(file, "0123456789");
    const host = await CustomCallbackHost.load(FIXTURES + "hooks_ok.js", {
      timeout: 5,
    });
    const post = await host.post({ ...POST, file });
    assertEquals(post.ok, false);
    assertMatch(post.message, /cannot grant read of a path with a comma/);
    // the next call, without a comma, is fine
    assertEquals(await host.pre(PRE), { ok: true, message: "pre 4 step" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
