/**
 * The plot page of a fork's file in Chromium: one chart per wire with its
 * fit and results, and the beam ellipse with its error band; a file of one
 * wire has no such section and `/api/wires` says why.
 */
import { startPlotServer } from "../../plot.ts";
import { readScanFile, writeScanFile } from "../../lib/hdf5/mod.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { missingReference } from "../support/refs.ts";
import { makeForkRun, makeRun } from "../hdf5/fixtures.ts";
import { ensureBundle, launchChromium, withTmp } from "./support.ts";

Deno.test({
  name:
    "plot page in Chromium: a fork's wires, each fitted, and the beam ellipse",
  ignore: missingReference("chromium"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await ensureBundle();
    await withTmp(async (dir) => {
      const path = await writeScanFile(
        `${dir}/fws01_20261202_150000.h5`,
        makeForkRun(),
      );
      const run = await readScanFile(path);
      const server = await startPlotServer(run, {
        file: "fws01_20261202_150000.h5",
        struck: "PDB",
        iops: "ch1",
        scannerIndex: 1,
      });
      const single = await startPlotServer(makeRun(1), {
        file: "fws01_20261202_150001.h5",
        struck: "PDB",
        iops: "ch1",
        scannerIndex: 1,
      });
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({
          viewport: { width: 1280, height: 1200 },
        });
        const problems: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") problems.push(`console: ${m.text()}`);
        });
        page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
        await page.goto(server.url);
        await page.waitForSelector('#fork .wire[data-wire="Y"] canvas');
        await page.waitForSelector("#fork figure.ellipse path.nominal");
        const wires = await page.$$eval(
          "#fork .wire",
          (els) =>
            els.map((e) => ({
              wire: e.getAttribute("data-wire"),
              text: e.querySelector(".wire-fit")?.textContent ?? "",
            })),
        );
        assertEquals(wires.map((w) => w.wire), ["X", "U", "Y"]);
        const u = run.scans[0].wireFits!.PDB[1];
        assertMatch(
          wires[1].text,
          /^centre .* mm, σ .* mm, σ beam .* mm \(d 0\.05 mm\), σ floor .* mm$/,
        );
        assert(
          wires[1].text.includes(
            `σ floor ${Number(u.budget!.floor.toPrecision(4))} mm`,
          ),
          wires[1].text,
        );
        assert(
          wires[1].text.includes(String(Number(u.sigmaBeam.toPrecision(4)))),
          wires[1].text,
        );
        const caption = await page.textContent("#fork figcaption");
        const tilt = run.scans[0].beamShapes!.PDB.tilt;
        assert(
          caption!.includes(`tilt ${Number(tilt.toPrecision(4))}`),
          caption!,
        );
        assertEquals(await page.$$eval("#fork path.band", (p) => p.length), 8);
        assertMatch(
          (await page.textContent("#fits .note"))!,
          /one\s+Gaussian over the whole stroke/,
        );
        await Deno.mkdir("test_output", { recursive: true });
        await page.locator("#fork").screenshot({
          path: "test_output/fork_page.png",
        });
        // the data drawn in each wire's chart
        const drawn = await page.$$eval(
          "#fork .wire canvas",
          (cs) =>
            cs.map((c) => {
              const d = (c as HTMLCanvasElement).getContext("2d")!
                .getImageData(
                  0,
                  0,
                  (c as HTMLCanvasElement).width,
                  (c as HTMLCanvasElement).height,
                ).data;
              let n = 0;
              for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
              return n;
            }),
        );
        assert(
          drawn.every((n) => n > 500),
          `pixels drawn per wire chart: ${drawn}`,
        );
        // the profile's fit curve is each wire's fit in its window
        const profile = await fetch(
          `${server.url}api/profile?scan=1&struck=PDB&iops=ch1&buckets=4000`,
        );
        assertEquals(profile.status, 200);
        const body = new Float32Array(await profile.arrayBuffer());
        const rows = body.length / 3;
        const residuals = Array.from(body.subarray(2 * rows)).filter(
          Number.isFinite,
        );
        assert(
          residuals.length > rows / 2,
          `${residuals.length} of ${rows} points in a window`,
        );
        const rms = Math.sqrt(
          residuals.reduce((a, r) => a + r * r, 0) / residuals.length,
        );
        assert(
          rms < 0.02,
          `residual RMS ${rms} against the wires' fits (noise 0.01)`,
        );
        // a file of one wire: no section, and the route says why
        await page.goto(single.url);
        await page.waitForSelector("#profile canvas");
        assertEquals(await page.$("#fork"), null);
        assertEquals(await page.$("#fits .note"), null);
        const r = await fetch(`${single.url}api/wires?scan=1&struck=PDB`);
        assertEquals(r.status, 404);
        assertMatch(await r.text(), /one wire/);
        assertEquals(problems, []);
      } finally {
        await browser.close();
        await server.close();
        await single.close();
      }
    });
  },
});
