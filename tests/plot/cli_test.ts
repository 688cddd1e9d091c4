/**
 * `fws plot` as a subprocess under the `plot` permission set: usage errors,
 * unknown channels, bad files, what the running process can still do, the
 * browser opener, Ctrl-C, and a file written by h5py.
 */
import { writeScanFile } from "../../lib/hdf5/mod.ts";
import { loadAssets, scannerIndexFromName } from "../../plot.ts";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertMatch,
} from "../support/assert.ts";
import { missingReference, SYSTEM_PYTHON } from "../support/refs.ts";
import { syntheticRun } from "./fixture.ts";
import { ensureBundle, runPlot, startPlotProcess, withTmp } from "./support.ts";

/** The last non-empty line (the one `main.ts` prints for an error). */
function lastLine(text: string): string {
  return text.trim().split("\n").at(-1) ?? "";
}

Deno.test("fws plot --help prints usage and exits 0", async () => {
  const out = await runPlot(["--help"]);
  assertEquals(out.code, 0);
  assertMatch(out.stdout, /Usage: fws plot <file\.h5> <struck_channel>/);
  assertMatch(out.stdout, /--iops-channel CH/);
});

Deno.test("fws plot: bad arguments are one line and exit 2", async () => {
  for (
    const [args, pattern] of [
      [[], /^fws plot: missing file\.h5 struck_channel/],
      [["x.h5"], /^fws plot: missing struck_channel/],
      [
        ["x.h5", "PDB", "--port", "70000"],
        /^--port: expected a whole number from 0 to 65535, got '70000'/,
      ],
      [
        ["x.h5", "PDB", "--scanner-index", "0"],
        /^--scanner-index: expected a whole number from 1 to 99/,
      ],
      [["x.h5", "PDB", "--colour"], /^fws plot: Unknown option '--colour'/],
    ] as const
  ) {
    const out = await runPlot([...args]);
    assertEquals(out.code, 2, `${args.join(" ")}: ${out.stderr}`);
    assertEquals(out.stderr.trim().split("\n").length, 1, out.stderr);
    assertMatch(lastLine(out.stderr), pattern);
  }
});

Deno.test("fws plot: unknown channels list the file's channels", async () => {
  await ensureBundle();
  await withTmp(async (dir) => {
    const file = await writeScanFile(
      `${dir}/fws02_20261123_230000.h5`,
      syntheticRun({ scans: 1, samples: 50 }),
    );
    const struck = await runPlot([file, "PDX", "--no-open"]);
    assertEquals(struck.code, 2);
    assertEquals(
      lastLine(struck.stderr),
      "fws plot: struck channel 'PDX' is not in fws02_20261123_230000.h5; the file has: PDB, PDT",
    );
    const iops = await runPlot([
      file,
      "PDB",
      "--iops-channel",
      "ch9",
      "--no-open",
    ]);
    assertEquals(iops.code, 2);
    assertEquals(
      lastLine(iops.stderr),
      "fws plot: IOPS channel 'ch9' is not in fws02_20261123_230000.h5; the file has: ch1, ch2",
    );
  });
});

Deno.test("fws plot: a missing, corrupted or foreign file is one clear line, exit 1", async () => {
  await ensureBundle();
  await withTmp(async (dir) => {
    const good = await writeScanFile(
      `${dir}/fws01_20261123_230000.h5`,
      syntheticRun({ scans: 1, samples: 50 }),
    );
    const bytes = await Deno.readFile(good);
    await Deno.writeFile(
      `${dir}/truncated.h5`,
      bytes.subarray(0, Math.floor(bytes.length / 2)),
    );
    await Deno.writeTextFile(
      `${dir}/text.h5`,
      "this is not HDF5\n".repeat(100),
    );
    for (
      const [name, pattern] of [
        ["absent.h5", /absent\.h5.*no such file/],
        ["truncated.h5", /truncated\.h5.*truncated/],
        ["text.h5", /text\.h5.*not an HDF5 file/],
      ] as const
    ) {
      const out = await runPlot([`${dir}/${name}`, "PDB", "--no-open"]);
      assertEquals(out.code, 1, `${name}: ${out.stderr}`);
      const lines = out.stderr.trim().split("\n");
      assertEquals(lines.length, 1, out.stderr);
      assertMatch(lines[0], /^fws plot: /);
      assertMatch(lines[0], pattern);
      assert(!/\bat \S+:\d+:\d+/.test(out.stderr), "no stack trace");
    }
  });
});

Deno.test("fws plot: a file without scans says so, exit 1", async () => {
  await ensureBundle();
  await withTmp(async (dir) => {
    const run = { ...syntheticRun({ scans: 1, samples: 10 }), scans: [] };
    run.status = "aborted";
    run.message = "aborted before the first scan";
    const file = await writeScanFile(`${dir}/fws01_20261123_230000.h5`, run);
    const out = await runPlot([file, "PDB", "--no-open"]);
    assertEquals(out.code, 1, out.stderr);
    assertEquals(
      lastLine(out.stderr),
      "fws plot: fws01_20261123_230000.h5 holds no scans (request aborted: aborted before the first scan); nothing to plot",
    );
  });
});

Deno.test("scanner index comes from the file name fwsNN_…", () => {
  assertEquals(scannerIndexFromName("/data/fws07_20261123_230000.h5"), 7);
  assertEquals(scannerIndexFromName("FWS12_x.h5"), 12);
  assertEquals(scannerIndexFromName("scan.h5"), undefined);
  assertEquals(scannerIndexFromName("fws00_x.h5"), undefined);
});

Deno.test("fws plot under -P=plot: serves, holds no permission, opens the browser, stops on Ctrl-C", async () => {
  await ensureBundle();
  await withTmp(async (dir) => {
    const file = await writeScanFile(
      `${dir}/fws07_20261123_230000.h5`,
      syntheticRun({ scans: 2, samples: 200 }),
    );
    // A stand-in browser opener that records the URL it is given.
    await Deno.writeTextFile(
      `${dir}/xdg-open`,
      `#!/bin/sh\necho "$1" > "${dir}/opened"\n`,
    );
    await Deno.chmod(`${dir}/xdg-open`, 0o755);
    await Deno.writeTextFile(
      `${dir}/open`,
      `#!/bin/sh\necho "$1" > "${dir}/opened"\n`,
    );
    await Deno.chmod(`${dir}/open`, 0o755);
    const plot = await startPlotProcess(
      [file, "PDT", "--iops-channel", "ch2"],
      {
        env: { PATH: `${dir}:${Deno.env.get("PATH")}` },
      },
    );
    try {
      const page = await (await fetch(plot.url)).text();
      assertMatch(page, /FWS07/, "scanner index from the file name");
      assertMatch(page, /"struck":"PDT","iops":"ch2"/);
      const status = await (await fetch(`${plot.url}api/status`)).json();
      for (const name of ["read", "write", "net", "env", "sys", "run", "ffi"]) {
        assert(
          status.permissions[name] !== "granted",
          `${name} is ${status.permissions[name]}`,
        );
      }
      // the server thread may listen again on loopback, and reach nothing else
      assertEquals(status.network, {
        loopback: "granted",
        elsewhere: "prompt",
      });
      let opened = "";
      for (let i = 0; i < 100 && !opened; i++) {
        opened = await Deno.readTextFile(`${dir}/opened`).catch(() => "");
        if (!opened) await new Promise((r) => setTimeout(r, 50));
      }
      assertEquals(opened.trim(), plot.url);
    } finally {
      const code = await plot.stop();
      assertEquals(code, 0, plot.output());
    }
    assertMatch(plot.output(), /fws plot: stopped/);
  });
});

Deno.test("fws plot survives 1000 concurrent requests with 128 open files allowed", async () => {
  await ensureBundle();
  await withTmp(async (dir) => {
    const file = await writeScanFile(
      `${dir}/fws07_20261123_230000.h5`,
      syntheticRun({ scans: 2, samples: 200 }),
    );
    const plot = await startPlotProcess([file, "PDB", "--no-open"], {
      maxOpenFiles: 128,
    });
    try {
      const flood = await Promise.allSettled(
        Array.from({ length: 1000 }, async () => {
          const res = await fetch(`${plot.url}api/fits?struck=PDB&iops=ch1`);
          await res.arrayBuffer();
          return res.status;
        }),
      );
      const served = flood.filter((r) =>
        r.status === "fulfilled" && r.value === 200
      ).length;
      assert(served > 0, "some of the flood was served");
      // a new client is served again, by the same process, within seconds
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = await fetch(plot.url, { headers: { connection: "close" } })
          .then(async (r) => (await r.arrayBuffer(), r.status), () => 0);
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      assertEquals(status, 200, plot.output());
      if (served < 1000) {
        assertMatch(plot.output(), /stopped accepting connections/);
        assertMatch(plot.output(), /listening again on 127\.0\.0\.1:/);
      }
    } finally {
      const code = await plot.stop();
      assertEquals(code, 0, plot.output());
    }
  });
});

Deno.test({
  name:
    "fws plot: a file written by h5py in our layout plots with its own numbers",
  ignore: missingReference("h5py"),
  async fn() {
    await ensureBundle();
    await withTmp(async (dir) => {
      const path = `${dir}/fws04_20261123_230000.h5`;
      const py = await new Deno.Command(SYSTEM_PYTHON, {
        args: [new URL("./write_h5py.py", import.meta.url).pathname, path],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(py.success, new TextDecoder().decode(py.stderr));
      const expected = JSON.parse(new TextDecoder().decode(py.stdout));
      const free = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = free.addr.port;
      free.close();
      const plot = await startPlotProcess([
        path,
        "PDB",
        "--no-open",
        "--scanner-index",
        "9",
        "--port",
        String(port),
      ]);
      assertEquals(plot.port, port, "--port is the port served");
      try {
        const html = await (await fetch(plot.url)).text();
        assertMatch(html, /FWS09/, "--scanner-index wins over the file name");
        assertMatch(html, /id="run-status">ABORTED</);
        const fits =
          await (await fetch(`${plot.url}api/fits?struck=PDB&iops=ch1`)).json();
        expected.scans.forEach(
          (
            s: { name: string; status: string; center: number; sigma: number },
            k: number,
          ) => {
            assertEquals(fits.rows[k].name, s.name);
            assertEquals(fits.rows[k].status, s.status);
            assertEquals(fits.rows[k].center, s.center);
            assertEquals(fits.rows[k].sigma, s.sigma);
            assertEquals(fits.rows[k].source, "file");
          },
        );
        const csv = await (await fetch(
          `${plot.url}api/export.csv?scan=1&struck=PDB&iops=ch1`,
        )).text();
        const rows = csv.trim().split("\n").slice(1).map((l) =>
          l.split(",").map(Number)
        );
        const e = expected.scans[0];
        assertEquals(rows.length, e.x.length);
        rows.forEach(([x, y], i) => {
          assertAlmostEquals(x, e.x[i], 1e-12);
          assertAlmostEquals(y, e.y[i], 1e-12);
        });
        const refit =
          await (await fetch(`${plot.url}api/fits?struck=PDT&iops=ch2`)).json();
        assert(refit.rows[0].ok, refit.rows[0].message);
        assertAlmostEquals(refit.rows[0].sigma, 1.9 / 0.999, 0.05);
      } finally {
        assertEquals(await plot.stop(), 0, plot.output());
      }
    });
  },
});

Deno.test("a missing page bundle is one clear error naming the fix", async () => {
  await withTmp(async (dir) => {
    await Deno.writeTextFile(`${dir}/style.css`, "body {}");
    const error = await loadAssets(new URL(`file://${dir}/`)).then(
      () => undefined,
      (e: Error) => e,
    );
    assert(error, "loadAssets must reject");
    assertMatch(
      error.message,
      /^the page asset .*\/islands\/bundle\.js is missing; build the islands with `deno task bundle`$/,
    );
  });
  await ensureBundle();
  const assets = await loadAssets();
  assert(assets.bundleJs.length > 10_000 && assets.styleCss.length > 100);
});
