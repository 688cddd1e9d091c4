/**
 * The plot server in-process, serving a file written with `writeScanFile`
 * and read back with `readScanFile`: page, data endpoints, decimation,
 * exports, Host and method checks.
 */
import { profileOf, summarizeFits } from "../../lib/analysis/mod.ts";
import { readScanFile, writeScanFile } from "../../lib/hdf5/mod.ts";
import type { ScanRun } from "../../lib/scan/model.ts";
import { startPlotServer } from "../../plot.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { syntheticRun } from "./fixture.ts";
import { ensureBundle, rawGet, withTmp } from "./support.ts";

async function withServer(
  run: ScanRun,
  fn: (base: string, port: number, read: ScanRun) => Promise<void>,
): Promise<void> {
  await ensureBundle();
  await withTmp(async (dir) => {
    const file = await writeScanFile(`${dir}/fws01_20261123_230000.h5`, run);
    const read = await readScanFile(file);
    const server = await startPlotServer(read, {
      file: "fws01_20261123_230000.h5",
      struck: "PDB",
      iops: "ch1",
      scannerIndex: 1,
    });
    try {
      await fn(server.url.replace(/\/$/, ""), server.port, read);
    } finally {
      await server.close();
    }
  });
}

async function columns(res: Response): Promise<Float32Array[]> {
  assertEquals(res.status, 200, await res.clone().text());
  const all = new Float32Array(await res.arrayBuffer());
  const rows = Number(res.headers.get("x-rows"));
  const names = res.headers.get("x-columns")!.split(",");
  return names.map((_, c) => all.subarray(c * rows, (c + 1) * rows));
}

Deno.test("plot server: page, profile decimation, zoom, CSV, fits, overlay, raw", async (t) => {
  const run = syntheticRun({ scans: 3, samples: 10_000, abortLast: true });
  await withServer(run, async (base, _port, read) => {
    await t.step(
      "the page is server-rendered with its islands and the abort marked",
      async () => {
        const res = await fetch(`${base}/`);
        assertEquals(res.status, 200);
        assertEquals(res.headers.get("content-encoding"), "gzip");
        const html = await res.text();
        assertMatch(
          html,
          /<title>fws plot — fws01_20261123_230000\.h5<\/title>/,
        );
        for (
          const island of [
            "ChannelPicker",
            "ProfileChart",
            "FitTable",
            "OverlayChart",
            "TrendChart",
            "RawWaveforms",
          ]
        ) {
          assertMatch(html, new RegExp(`data-island="${island}"`));
        }
        assertMatch(html, /id="run-status">ABORTED</);
        assertMatch(html, /scan_003<span class="badge">ABORTED/);
        assert(!html.includes("/tmp/"), "no file path in the page");
      },
    );

    const scan1 = read.scans[0];
    const p = profileOf(scan1, "PDB", "ch1");
    await t.step(
      "profile: ≤ 4000 min/max rows for 10,000 points, sorted by x",
      async () => {
        const res = await fetch(
          `${base}/api/profile?scan=1&struck=PDB&iops=ch1`,
        );
        const [x, y, r] = await columns(res);
        assertEquals(Number(res.headers.get("x-total")), p.x.length);
        assert(x.length <= 4000 && x.length > 2000, `${x.length} rows`);
        for (let i = 1; i < x.length; i++) {
          assert(x[i] >= x[i - 1], "ascending x");
        }
        const maxY = Math.fround(Math.max(...p.y));
        assert(y.includes(maxY), "the maximum survives decimation");
        assertEquals(r.length, x.length);
      },
    );

    await t.step(
      "profile: a zoomed range comes back at full resolution",
      async () => {
        const res = await fetch(
          `${base}/api/profile?scan=1&struck=PDB&iops=ch1&xmin=-1&xmax=1`,
        );
        const [x, y] = await columns(res);
        const inRange: [number, number][] = [];
        for (let i = 0; i < p.x.length; i++) {
          if (p.x[i] >= -1 && p.x[i] <= 1) inRange.push([p.x[i], p.y[i]]);
        }
        inRange.sort((a, b) => a[0] - b[0]);
        assertEquals(x.length, inRange.length);
        assertEquals(Number(res.headers.get("x-total")), inRange.length);
        assertEquals([...x], inRange.map((v) => Math.fround(v[0])));
        assertEquals([...y], inRange.map((v) => Math.fround(v[1])));
      },
    );

    await t.step(
      "CSV export is profileOf of the file, exactly, with fit and residual",
      async () => {
        const res = await fetch(
          `${base}/api/export.csv?scan=1&struck=PDB&iops=ch1`,
        );
        assertEquals(res.status, 200);
        assertMatch(
          res.headers.get("content-disposition")!,
          /fws01_20261123_230000_scan_001_PDB_ch1\.csv/,
        );
        const lines = (await res.text()).trim().split("\n");
        assertEquals(lines[0], "position_ch1,signal_PDB,fit,residual");
        assertEquals(lines.length - 1, p.x.length);
        for (let i = 0; i < p.x.length; i++) {
          const [x, y, f, r] = lines[i + 1].split(",").map(Number);
          assertEquals(x, p.x[i]);
          assertEquals(y, p.y[i]);
          assert(Math.abs(y - f - r) < 1e-12);
        }
      },
    );

    await t.step(
      "fits: the file's fits and summarizeFits of them",
      async () => {
        const res = await fetch(`${base}/api/fits?struck=PDB&iops=ch1`);
        const body = await res.json();
        assertEquals(body.rows.length, read.scans.length);
        read.scans.forEach((s, k) => {
          const f = s.fits.PDB;
          const j = (v: number) => Number.isFinite(v) ? v : null;
          assertEquals(body.rows[k].ok, f.ok);
          assertEquals(body.rows[k].center, j(f.center));
          assertEquals(body.rows[k].sigmaErr, j(f.sigmaErr));
          assertEquals(body.rows[k].source, "file");
          assertEquals(body.rows[k].status, s.status);
        });
        const summary = summarizeFits(read.scans.map((s) => s.fits.PDB));
        assertEquals(body.summary.sigma.mean, summary.sigma.mean);
        assertEquals(body.summary.sigma.std, summary.sigma.std);
      },
    );

    await t.step(
      "fits on another IOPS channel are refitted and say so",
      async () => {
        const body = await (await fetch(`${base}/api/fits?struck=PDT&iops=ch2`))
          .json();
        assertEquals(body.rows[0].source, "refit");
        assertEquals(body.rows[0].iopsChannel, "ch2");
        assert(body.rows[0].ok, body.rows[0].message);
      },
    );

    await t.step(
      "overlay: one shared x column and one column per scan",
      async () => {
        const res = await fetch(
          `${base}/api/overlay?struck=PDT&iops=ch1&buckets=100`,
        );
        const cols = await columns(res);
        assertEquals(cols.length, 1 + read.scans.length);
        assertEquals(cols[0].length, 200);
        assertEquals(res.headers.get("x-scans"), "1,2,3");
      },
    );

    await t.step(
      "raw: decimated waveform keeps the extremes; a zoom is full resolution",
      async () => {
        const w = scan1.struck.PDT.data;
        const [i, v] = await columns(
          await fetch(
            `${base}/api/raw?scan=1&group=struck&channel=PDT&buckets=50`,
          ),
        );
        assert(v.length <= 100);
        assert(v.includes(Math.fround(Math.max(...w))));
        const [zi, zv] = await columns(
          await fetch(
            `${base}/api/raw?scan=1&group=struck&channel=PDT&from=10&to=19`,
          ),
        );
        assertEquals([...zi], [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
        assertEquals([...zv], [...w.subarray(10, 20)].map(Math.fround));
        assert(i.length === v.length);
      },
    );

    await t.step(
      "bad parameters are 400 with a message naming them",
      async () => {
        for (
          const [q, pattern] of [
            [
              "/api/profile?scan=9&struck=PDB&iops=ch1",
              /scan: expected one of 1, 2, 3, got '9'/,
            ],
            [
              "/api/profile?scan=1&struck=XX&iops=ch1",
              /struck: expected one of PDB, PDT/,
            ],
            [
              "/api/profile?scan=1&struck=PDB&iops=ch7",
              /iops: expected one of ch1, ch2/,
            ],
            [
              "/api/raw?scan=1&group=disk&channel=PDB",
              /group: expected struck or iops/,
            ],
            [
              "/api/profile?scan=1&struck=PDB&iops=ch1&xmin=abc",
              /xmin: expected a number/,
            ],
          ] as const
        ) {
          const res = await fetch(base + q);
          assertEquals(res.status, 400, q);
          assertMatch(await res.text(), pattern);
        }
      },
    );

    await t.step(
      "only the routes exist: no file paths are served",
      async () => {
        for (
          const path of [
            "/plot.ts",
            "/static/../deno.json",
            "/etc/passwd",
            "/static/islands/../../plot.ts",
            "/api/profile/../../main.ts",
          ]
        ) {
          const res = await fetch(base + path);
          assertEquals(res.status, 404, path);
          await res.body?.cancel();
        }
        const js = await fetch(`${base}/static/islands/bundle.js`);
        assertEquals(js.status, 200);
        assertMatch(js.headers.get("content-type")!, /javascript/);
        await js.body?.cancel();
      },
    );
  });
});

Deno.test("plot server: refuses foreign Host headers (403) and non-GET methods (405)", async () => {
  await withServer(
    syntheticRun({ scans: 1, samples: 100 }),
    async (_base, port) => {
      assertEquals(
        (await rawGet(port, { host: `127.0.0.1:${port}` })).status,
        200,
      );
      assertEquals(
        (await rawGet(port, { host: `localhost:${port}` })).status,
        200,
      );
      for (
        const host of [
          "evil.example",
          `evil.example:${port}`,
          `127.0.0.1:${port + 1}`,
          "127.0.0.1",
          `[::1]:${port}`,
        ]
      ) {
        const res = await rawGet(port, {
          host,
          path: "/api/fits?struck=PDB&iops=ch1",
        });
        assertEquals(res.status, 403, host);
        assertMatch(res.body, /refused Host/);
      }
      const post = await rawGet(port, {
        host: `127.0.0.1:${port}`,
        method: "POST",
      });
      assertEquals(post.status, 405);
    },
  );
});
