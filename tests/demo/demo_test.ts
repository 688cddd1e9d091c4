/** `fws demo` as a newcomer runs it: a subprocess with only the `fws` permission set. */
import { dirname } from "node:path";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertMatch,
} from "../support/assert.ts";
import { readScanFile } from "../../lib/hdf5/mod.ts";
import { defaultBeam } from "../../lib/sim/beam.ts";

const root = new URL("../../", import.meta.url).pathname;

async function fws(
  args: string[],
  timeout = 90,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout * 1000);
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-P=fws", "main.ts", ...args],
      cwd: root,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
      signal: controller.signal,
    }).output();
    const d = new TextDecoder();
    return {
      code: out.code,
      stdout: d.decode(out.stdout),
      stderr: d.decode(out.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a command line exactly as a banner printed it, in a shell in the
 * checkout, until the plot server it starts answers; then stops it.
 */
async function runsAsPrinted(line: string): Promise<void> {
  const child = new Deno.Command("bash", {
    args: ["-c", `exec ${line}`],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  // stdout is read to its end, never cancelled: a process that prints on
  // its way out into a closed pipe fails with a broken pipe
  let seen = "";
  const ready = Promise.withResolvers<void>();
  const drained = (async () => {
    for await (
      const chunk of child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      seen += chunk;
      // Ctrl-C is handled once the server says so; before, it kills
      if (/press Ctrl-C to stop/.test(seen)) ready.resolve();
    }
    ready.resolve();
  })();
  try {
    await ready.promise;
    const url = seen.match(/serving .+ at (http:\/\/127\.0\.0\.1:\d+\/)/)
      ?.[1];
    assert(url, `${line} printed:\n${seen}`);
    const res = await fetch(url);
    assertEquals(res.status, 200, `${line}: GET ${url}`);
    await res.body?.cancel();
  } finally {
    try {
      child.kill("SIGINT");
    } catch {
      // already gone
    }
    const status = await child.status;
    await drained;
    const err = await stderr;
    // stopped by the Ctrl-C sent: a clean exit, or death by SIGINT
    // (`deno task` reports a child it had to stop so as 128 + 2)
    assert(
      status.success || status.signal === "SIGINT" || status.code === 130,
      `${line}: exit ${status.code}: ${err}\n${seen}`,
    );
  }
}

Deno.test("fws demo --no-open --fork x: scans one wire of the simulated beam, prints fits near it and a file that exists", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "fws-demo-test-" });
  try {
    const t0 = performance.now();
    const { code, stdout, stderr } = await fws([
      "demo",
      "--no-open",
      "--fork",
      "x",
      "--data-dir",
      dataDir,
    ]);
    const seconds = (performance.now() - t0) / 1000;
    assertEquals(code, 0, `exit code\n${stdout}\n${stderr}`);
    // the live page's URL comes first, before anything of the scan
    assertMatch(
      stdout.split("\n")[0],
      /^live page: http:\/\/127\.0\.0\.1:\d+\/$/,
    );
    assert(seconds < 60, `the demo took ${seconds} s`);
    // progress in plain lines (stdout is not a terminal), up to 100 %
    assertMatch(stdout, /\[#{30}\] 100%/);
    assert(!stdout.includes("\r"), "no carriage returns when not a TTY");
    assertMatch(stdout, /scan completed \(DONE\)/);
    const beam = defaultBeam();
    for (const ch of ["PDB", "PDT"]) {
      const rows = stdout.split("\n").filter((l) =>
        l.startsWith(ch) && /scan_00\d/.test(l)
      );
      assertEquals(rows.length, 3, `${ch}: one row per repetition`);
      const mean = stdout.split("\n").find((l) =>
        l.startsWith(ch) && l.includes("mean±std")
      );
      assert(mean, `${ch}: a mean ± std row`);
      const numbers = mean.match(/-?\d+\.\d+/g)!.map(Number);
      const [center, centerStd, sigma, sigmaStd] = numbers;
      assertAlmostEquals(center, beam.center, 0.01);
      assertAlmostEquals(sigma, beam.sigma, 0.01);
      assert(centerStd > 0 && centerStd < 0.01, `centre std ${centerStd}`);
      assert(sigmaStd > 0 && sigmaStd < 0.01, `sigma std ${sigmaStd}`);
      for (const row of rows) {
        const [c, cErr, s, sErr] = row.match(/-?\d+\.\d+/g)!.map(Number);
        assert(cErr > 0 && sErr > 0, `standard errors in ${row}`);
        assertAlmostEquals(c, beam.center, 0.01);
        assertAlmostEquals(s, beam.sigma, 0.01);
      }
    }
    const file = stdout.match(/^scan file: (.+\.h5)$/m)?.[1];
    assert(file, `a scan file line in\n${stdout}`);
    assert(file.startsWith(dataDir), `${file} is in ${dataDir}`);
    assert((await Deno.stat(file)).isFile);
    const printed = stdout.match(/^open the plot page with: {2}(.+)$/m)?.[1];
    assert(printed, `a plot command in\n${stdout}`);
    assertMatch(printed, /^(deno|npx -y deno@[\d.]+) task fws plot /);
    assert(printed.endsWith(` plot ${file} PDB`), printed);
    await runsAsPrinted(`${printed} --no-open`);
    // and the history of the data directory, as printed
    const history = stdout.match(
      /^and the data directory's history with: {2}(.+)$/m,
    )?.[1];
    assert(history, `a history command in\n${stdout}`);
    assert(history.endsWith(` history ${dirname(file)}`), history);
    await runsAsPrinted(`${history} --no-open`);
    const run = await readScanFile(file);
    assertEquals(run.status, "completed");
    assertEquals(run.scans.map((s) => s.name), [
      "scan_001",
      "scan_002",
      "scan_003",
    ]);
    assertEquals(run.scans[0].positionsPlanned.length, 41);
    assert(run.scans.every((s) => s.fits.PDB?.ok && s.fits.PDT?.ok));
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("fws demo --help and bad arguments", async () => {
  const help = await fws(["demo", "--help"]);
  assertEquals(help.code, 0);
  assertMatch(help.stdout, /Usage: fws demo/);
  assertMatch(help.stdout, /--no-open/);
  const bad = await fws(["demo", "--bogus"]);
  assertEquals(bad.code, 2);
  assertMatch(bad.stderr, /fws demo: Unknown option '--bogus'/);
  const extra = await fws(["demo", "extra"]);
  assertEquals(extra.code, 2);
  assertMatch(extra.stderr, /unexpected argument 'extra'/);
});

Deno.test("fws demo --no-open: the live page at the first line follows the scan as it runs", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "fws-demo-live-test-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=fws",
      "main.ts",
      "demo",
      "--no-open",
      "--data-dir",
      dataDir,
    ],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  try {
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) break;
      text += value;
    }
    const url = text.match(/^live page: (http:\/\/127\.0\.0\.1:\d+\/)\n/)?.[1];
    assert(url, `the first line names the live page:\n${text}`);
    const page = await fetch(url);
    assertEquals(page.status, 200);
    assertMatch(await page.text(), /data-island="LiveView"/);
    // the event stream until the demo ends it: the scan's states as it runs
    const res = await fetch(`${url}api/live`);
    const states = new Set<string>();
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let events = "";
    while (true) {
      const { value, done } = await reader.read().catch(() => ({
        value: undefined,
        done: true,
      }));
      if (done) break;
      events += value;
      for (const m of value!.matchAll(/"state":"([A-Z]+)"/g)) states.add(m[1]);
    }
    assert(states.has("ACQUIRING"), `states seen: ${[...states]}`);
    assert(states.has("DONE"), `states seen: ${[...states]}`);
    assertMatch(events, /"progress":100/);
    // drain the rest of the demo's output
    while (!(await lines.read()).done);
    assertEquals((await child.status).code, 0, await stderr);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await child.status;
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("fws demo --no-open (a fork of x, u, y): a fly scan over three wires recovers the simulated tilt; a bad fork is a usage error", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "fws-demo-fork-test-" });
  try {
    const r = await fws(["demo", "--no-open", "--data-dir", dataDir]);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(
      r.stdout,
      /request: fly scan -25 → 25 mm at 10 mm\/s over a X \(0°\), U \(45°\), Y \(90°\) fork/,
    );
    const tilts = [...r.stdout.matchAll(/tilt +(-?[\d.]+) ± ([\d.]+)°/g)]
      .map((m) => [Number(m[1]), Number(m[2])]);
    assertEquals(tilts.length, 6, r.stdout); // 3 repetitions × 2 channels
    for (const [tilt, err] of tilts) {
      assert(Math.abs(tilt - 20) < 5 * err + 0.1, `tilt ${tilt} ± ${err}`);
    }
    const file = /scan file: (\S+)/.exec(r.stdout)![1];
    const run = await readScanFile(file);
    assertEquals(run.wires?.map((w) => w.name), ["X", "U", "Y"]);
    const bad = await fws(["demo", "--fork", "xq"]);
    assertEquals(bad.code, 2);
    assertMatch(
      bad.stderr,
      /--fork: fork 'xq': unknown wire 'q'; expected letters of x, y, u, v/,
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
