import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
} from "../support/assert.ts";
import {
  describePermissionError,
  dropPermissions,
  PERMISSION_NAMES,
  PERMISSION_PROFILES,
  PermissionRefusedError,
  restrictPermissions,
  revokeExcept,
  withPermission,
} from "../../lib/permissions.ts";
import { denoRun, ROOT } from "./support.ts";

type Outcomes = Record<string, { before: string; after: string }>;
interface ProbeOutput {
  result: Outcomes;
  refused: string;
  worker?: Record<string, string>;
  port?: number;
}

/** Runs tests/ship/probes/probe.ts under a permission set and parses its line. */
async function probe(
  set: string,
  profile: string,
  flags: string[] = [],
): Promise<ProbeOutput> {
  const tmp = await Deno.makeTempDir({ prefix: "fws_ship_probe_" });
  try {
    const extra = flags.includes("--worker")
      ? ["--unstable-worker-options"]
      : [];
    if (flags.includes("--serve")) return await probeServing(set, profile, tmp);
    const out = await denoRun(set, [
      ...extra,
      "tests/ship/probes/probe.ts",
      profile,
      tmp,
      ...flags,
    ]);
    assertEquals(out.code, 0, `probe failed: ${out.stderr}`);
    return JSON.parse(out.stdout.trim().split("\n").at(-1)!);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/** The plot probe binds, drops net and run, then must still serve one request. */
async function probeServing(
  set: string,
  profile: string,
  tmp: string,
): Promise<ProbeOutput> {
  const child = new Deno.Command(Deno.execPath(), {
    cwd: ROOT,
    args: [
      "run",
      `--config=${ROOT}/deno.json`,
      `-P=${set}`,
      "--no-prompt",
      "tests/ship/probes/probe.ts",
      profile,
      tmp,
      "--serve",
    ],
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const parsed: ProbeOutput = JSON.parse(text.trim());
    const response = await fetch(`http://127.0.0.1:${parsed.port}/`);
    assertEquals(await response.text(), "served");
    while (!(await reader.read()).done) { /* drain */ }
    assertEquals((await child.status).code, 0);
    return parsed;
  } finally {
    clearTimeout(deadline);
    reader.releaseLock();
  }
}

function assertRefused(outcomes: Outcomes, names: string[], label: string) {
  for (const name of names) {
    assertEquals(outcomes[name].after, "NotCapable", `${label}: ${name} after`);
  }
}

function assertAllowed(outcomes: Outcomes, names: string[], label: string) {
  for (const name of names) {
    assertNotEquals(outcomes[name].after, "NotCapable", `${label}: ${name}`);
  }
}

for (const set of ["plot", "fws"]) {
  Deno.test(`plot under -P=${set}: keeps nothing once listening (no read, write, process or connection), still serves`, async () => {
    const out = await probe(set, "plot", ["--serve"]);
    if (set === "fws") {
      // the union grants them: the revocation is what takes them away
      for (const name of ["write", "run", "connectLoopback", "listen"]) {
        assertNotEquals(out.result[name].before, "NotCapable", name);
      }
    }
    assertRefused(
      out.result,
      [
        "read",
        "write",
        "mkdir",
        "run",
        "connectLoopback",
        "connectRemote",
        "listen",
      ],
      `plot/${set}`,
    );
    assertMatch(
      out.refused,
      /^PermissionRefusedError: fws plot: not allowed to listen on 127\.0\.0\.1:0 \(this fws does not grant it: Requires net access/,
    );
  });
}

for (const set of ["daemon", "fws"]) {
  Deno.test(`daemon under -P=${set}: cannot start a process; its callback worker cannot write or use the network`, async () => {
    const out = await probe(set, "daemon", ["--worker"]);
    assertRefused(out.result, ["run"], `daemon/${set}`);
    assertAllowed(
      out.result,
      ["read", "write", "mkdir", "listen", "connectLoopback", "connectRemote"],
      `daemon/${set}`,
    );
    assertEquals(out.worker, {
      write: "NotCapable",
      connect: "NotCapable",
      fetch: "NotCapable",
      run: "NotCapable",
      env: "NotCapable",
      readSelf: "ok",
      readOther: "NotCapable",
    });
  });
}

for (const set of ["sim", "fws"]) {
  Deno.test(`sim under -P=${set}: cannot write files or start a process, can serve`, async () => {
    const out = await probe(set, "sim");
    if (set === "fws") assertEquals(out.result.write.before, "ok");
    assertRefused(out.result, ["write", "mkdir", "run"], `sim/${set}`);
    assertAllowed(out.result, ["listen", "connectLoopback"], `sim/${set}`);
  });
}

Deno.test("inspect, ca and demo under the union keep only their profile", async () => {
  const inspect = await probe("fws", "inspect");
  assertRefused(
    inspect.result,
    ["write", "run", "listen", "connectLoopback"],
    "inspect",
  );
  const ca = await probe("fws", "ca");
  assertRefused(ca.result, ["write", "run"], "ca");
  assertAllowed(ca.result, ["connectLoopback", "listen"], "ca");
  const demo = await probe("fws", "demo");
  assertRefused(demo.result, ["run"], "demo");
  assertAllowed(demo.result, ["write", "listen"], "demo");
});

Deno.test("every profile names only known permissions and never both keeps and drops one", () => {
  for (const [name, profile] of Object.entries(PERMISSION_PROFILES)) {
    for (const p of [...profile.keep, ...profile.startup]) {
      assert(
        (PERMISSION_NAMES as readonly string[]).includes(p),
        `${name}: ${p}`,
      );
    }
    assertEquals(
      profile.keep.filter((p) => profile.startup.includes(p)),
      [],
      name,
    );
    assert(!profile.keep.includes("run"), `${name} must not keep run`);
  }
  assert(!PERMISSION_PROFILES.daemon.keep.includes("run"));
  assert(!PERMISSION_PROFILES.plot.keep.includes("write"));
  assertEquals(PERMISSION_PROFILES.plot.keep, []);
  assert(!PERMISSION_PROFILES.sim.keep.includes("write"));
});

Deno.test("describePermissionError words sandbox and OS refusals and ignores others", () => {
  const context = { command: "fws plot", action: "listen on 127.0.0.1:80" };
  assertEquals(
    describePermissionError(
      new Deno.errors.PermissionDenied("Permission denied (os error 13)"),
      context,
    ),
    "fws plot: not allowed to listen on 127.0.0.1:80 (the operating system refused: Permission denied (os error 13))",
  );
  assertMatch(
    describePermissionError(
      new Deno.errors.NotCapable('Requires net access to "127.0.0.1:80"'),
      context,
    )!,
    /^fws plot: not allowed to listen on 127\.0\.0\.1:80 \(this fws does not grant it: Requires net access/,
  );
  assertEquals(describePermissionError(new Error("boom"), context), undefined);
});

Deno.test("withPermission passes results and other errors through, wraps refusals", async () => {
  const context = { command: "fws sim", action: "write x" };
  assertEquals(await withPermission(context, () => 42), 42);
  let caught: unknown;
  try {
    await withPermission(context, () => {
      throw new RangeError("not a permission");
    });
  } catch (error) {
    caught = error;
  }
  assert(caught instanceof RangeError);
  try {
    await withPermission(context, () => {
      throw new Deno.errors.NotCapable('Requires write access to "x"');
    });
  } catch (error) {
    caught = error;
  }
  assert(caught instanceof PermissionRefusedError);
  assert(caught.cause instanceof Deno.errors.NotCapable);
  assertMatch(caught.message, /^fws sim: not allowed to write x \(/);
});

Deno.test("restrictPermissions rejects an unknown subcommand; the revokers accept nothing to do", async () => {
  let message = "";
  try {
    // deno-lint-ignore no-explicit-any
    await restrictPermissions("bogus" as any);
  } catch (error) {
    message = (error as Error).message;
  }
  assertMatch(message, /unknown subcommand 'bogus'; expected one of daemon/);
  await dropPermissions([]);
  assertEquals(
    await revokeExcept(
      Object.fromEntries(PERMISSION_NAMES.map((n) => [n, true])),
    ),
    [],
  );
});

Deno.test("the proposed plot set (net scoped to 127.0.0.1 and localhost) refuses remote hosts from the start and still serves", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "fws_ship_scoped_" });
  const child = new Deno.Command(Deno.execPath(), {
    cwd: ROOT,
    args: [
      "run",
      "--no-config",
      "--no-prompt",
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      "--allow-net=127.0.0.1,localhost",
      "--allow-run=xdg-open,open",
      "tests/ship/probes/probe.ts",
      "plot",
      tmp,
      "--serve",
    ],
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const deadline = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const out: ProbeOutput = JSON.parse(text.trim());
    assertEquals(out.result.connectRemote.before, "NotCapable");
    assertNotEquals(out.result.connectLoopback.before, "NotCapable");
    assertEquals(out.result.listen.before, "ok");
    const response = await fetch(`http://127.0.0.1:${out.port}/`);
    assertEquals(await response.text(), "served");
    while (!(await reader.read()).done) { /* drain */ }
    assertEquals((await child.status).code, 0);
  } finally {
    clearTimeout(deadline);
    reader.releaseLock();
    await Deno.remove(tmp, { recursive: true });
  }
});
